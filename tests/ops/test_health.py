"""/healthz and /readyz: no login, no throttle, any Host; 503 naming what failed."""

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError
from kombu import Connection

from config.ops import health
from detection.models import DetectorModel

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login_or_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # an address, not ALLOWED_HOSTS
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_with_every_dependency_up(client, active_model):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage", "detector"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_is_503_when_the_database_is_unreachable(client, active_model, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError: could not connect to server: Connection refused",
    }
    assert body["checks"]["broker"]["ok"] is True


def test_readyz_is_503_when_the_broker_is_unreachable(client, active_model, monkeypatch):
    # A Redis broker on a port where nothing listens: the real connection attempt fails.
    monkeypatch.setattr(
        health.celery_app,
        "connection_for_write",
        lambda: Connection("redis://127.0.0.1:1/0", connect_timeout=0.5),
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False and checks["broker"]["error"]
    assert checks["database"]["ok"] is True


def test_readyz_names_a_missing_detector_model(client, active_model):
    default_storage.delete(active_model.file.name)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "missing from storage" in response.json()["checks"]["detector"]["error"]
    DetectorModel.objects.all().delete()
    assert client.get("/readyz").json()["checks"]["detector"]["error"] == (
        "NotReady: no active detector model"
    )


def test_probes_are_not_throttled_and_not_redirected_to_login(client, settings, active_model):
    settings.SECURE_SSL_REDIRECT = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "token": "1/minute",
            "anon": "1/minute",
            "auth_failure": "1/minute",
        },
    }
    assert {client.get("/healthz").status_code for _ in range(5)} == {200}
    assert {client.get("/readyz").status_code for _ in range(5)} == {200}
