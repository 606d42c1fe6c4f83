"""Prometheus metrics at `/metrics` (prometheus-client), for a scraper with a bearer token.

Two kinds of numbers:

* **State, read from the database at scrape time** (a custom collector, so every web process
  answers the same and nothing is lost when a worker restarts): clips by state
  (`unmask_clips`), webhook deliveries waiting or being sent (`unmask_webhook_backlog`) and given
  up (`unmask_webhook_deliveries_failed`), SLA breaches recorded (`unmask_sla_breaches_total`).
* **Events, counted where they happen**: Celery signals time the scoring and matching tasks
  (`unmask_scoring_seconds`, `unmask_matching_seconds`) and count task failures and retries
  (`unmask_task_failures_total`, `unmask_task_retries_total`). Workers and web processes on one
  machine share them through prometheus-client's multiprocess mode: each process writes its
  values under UNMASK_METRICS_DIR (settings point PROMETHEUS_MULTIPROC_DIR there before this
  module is imported) and `/metrics` adds them up.

Access: `Authorization: Bearer <UNMASK_METRICS_TOKEN>` (what Prometheus' `authorization`
scrape option sends), or a signed-in staff user in a browser. Without a token set, only staff.
"""

import hmac
import time
from collections.abc import Iterator
from typing import Any

from celery import signals
from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from dashboard.constants import ClipStatus
from dashboard.models import Clip
from integrations.constants import DeliveryStatus
from integrations.models import WebhookDelivery
from teamwork.models import SlaBreach

# Scoring a clip takes seconds to minutes; matching against the banks well under a second.
SCORING_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900)
MATCHING_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

SCORING_SECONDS = Histogram(
    "unmask_scoring_seconds",
    "Time a worker spent on one scoring task (detection.tasks.score_clip / rescore_clip).",
    buckets=SCORING_BUCKETS,
)
MATCHING_SECONDS = Histogram(
    "unmask_matching_seconds",
    "Time a worker spent matching one clip against the hash banks (provenance.tasks.match_clip).",
    buckets=MATCHING_BUCKETS,
)
TASK_FAILURES = Counter(
    "unmask_task_failures", "Celery tasks that ended in an exception.", ["task"]
)
TASK_RETRIES = Counter("unmask_task_retries", "Celery task retries scheduled.", ["task"])

TIMED_TASKS = {
    "detection.tasks.score_clip": SCORING_SECONDS,
    "detection.tasks.rescore_clip": SCORING_SECONDS,
    "provenance.tasks.match_clip": MATCHING_SECONDS,
}
_started: dict[str, float] = {}


def _task_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task is not None and task.name in TIMED_TASKS and task_id:
        _started[task_id] = time.monotonic()


def _task_finished(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    started = _started.pop(task_id or "", None)
    if started is not None and task is not None:
        TIMED_TASKS[task.name].observe(time.monotonic() - started)


def _task_failed(sender: Any = None, **_: Any) -> None:
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


def _task_retried(sender: Any = None, **_: Any) -> None:
    TASK_RETRIES.labels(task=getattr(sender, "name", "unknown")).inc()


def connect_task_signals() -> None:
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="ops-metrics-prerun")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="ops-metrics-postrun")
    signals.task_failure.connect(_task_failed, weak=False, dispatch_uid="ops-metrics-failure")
    signals.task_retry.connect(_task_retried, weak=False, dispatch_uid="ops-metrics-retry")


class StateCollector(Collector):
    """Queue depth, webhook backlog and SLA breaches, counted in the database per scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        clips = GaugeMetricFamily("unmask_clips", "Clips in each state.", labels=["state"])
        counts = dict(Clip.objects.values_list("status").annotate(n=Count("pk")))
        for state in ClipStatus:
            clips.add_metric([state.value], counts.get(state.value, 0))
        yield clips

        backlog = GaugeMetricFamily(
            "unmask_webhook_backlog",
            "Webhook deliveries not yet done: waiting for an attempt, or being sent.",
            labels=["status"],
        )
        deliveries = dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("pk")))
        for status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
            backlog.add_metric([status.value], deliveries.get(status.value, 0))
        yield backlog
        yield GaugeMetricFamily(
            "unmask_webhook_deliveries_failed",
            "Webhook deliveries given up after the last attempt.",
            value=deliveries.get(DeliveryStatus.FAILED.value, 0),
        )
        yield CounterMetricFamily(
            "unmask_sla_breaches",
            "Clips recorded past their review deadline.",
            value=SlaBreach.objects.count(),
        )


def registry() -> CollectorRegistry:
    """A registry for one scrape: every process's event metrics, and the state read now."""
    scrape = CollectorRegistry()
    multiprocess.MultiProcessCollector(scrape, path=str(settings.UNMASK_METRICS_DIR))
    scrape.register(StateCollector())
    return scrape


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.UNMASK_METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer "):
        return hmac.compare_digest(sent.removeprefix("Bearer ").encode(), token.encode())
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        return JsonResponse(
            {"error": {"code": "not_authenticated", "message": "Send the metrics bearer token."}},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
