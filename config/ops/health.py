"""`/healthz` and `/readyz` for load balancers and orchestrators: no login, no throttle, JSON.

`/healthz` answers 200 while the process can serve a request at all; it touches nothing else, so
a database outage never makes an orchestrator restart healthy web processes. `/readyz` checks
what a request needs: the database (a query), the Celery broker (a connection), media storage
(reachable, and writable when local), and an active detector model whose file is in storage
(workers load it from there). Any failure is 503 with `{"status": "unavailable", "checks":
{name: {"ok": false, "error": ...}}}` naming what failed.
"""

import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.celery import app as celery_app
from detection.models import DetectorModel

BROKER_TIMEOUT_S = 2.0


class NotReady(Exception):
    """A readiness check found something missing; the message says what."""


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not os.access(folder, os.W_OK):
            raise NotReady(f"broker folder {folder} is not writable")
    with celery_app.connection_for_write() as broker:
        # One try, no back-off: a probe must answer within the load balancer's timeout.
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_S)


def check_storage() -> None:
    default_storage.exists("readyz-probe")  # a stat locally, a HEAD on S3: raises if unreachable
    if isinstance(default_storage, FileSystemStorage):
        location = Path(default_storage.location)
        if not os.access(location, os.W_OK):
            raise NotReady(f"media folder {location} is not writable")


def check_detector() -> None:
    model = DetectorModel.objects.active()
    if model is None:
        raise NotReady("no active detector model")
    if not default_storage.exists(model.file.name):
        raise NotReady(f"the active model's file {model.file.name} is missing from storage")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
    "detector": check_detector,
}


def run_checks() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure of a dependency means "not ready", never a 500
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
    return results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    ready = all(result["ok"] for result in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


PROBES = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """Answers the probes before host validation, HTTPS redirects, sessions or login.

    Load balancers probe by the machine's address, which is rarely in ALLOWED_HOSTS; the answers
    carry nothing derived from the Host header, so accepting any host here is safe.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
