"""Webhook deliveries against a receiver on 127.0.0.1: signature, retries, cap, timeout."""

import json
import time

import pytest
from django.core.exceptions import ValidationError

from config.celery import app as celery_app
from integrations import delivery, tasks
from integrations.constants import DeliveryStatus
from integrations.events import queue_webhook_event, send_test_event
from integrations.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.signing import verify_signature
from tests.factories import ClipFactory, decided_clip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.UNMASK_WEBHOOK_BACKOFF_S = 0.0
    settings.UNMASK_WEBHOOK_TIMEOUT_S = 2.0
    settings.UNMASK_WEBHOOK_MAX_ATTEMPTS = 5


def emitted(endpoint, django_capture_on_commit_callbacks) -> WebhookDelivery:
    clip = decided_clip()
    with django_capture_on_commit_callbacks() as callbacks:
        event = queue_webhook_event("clip.decided", clip, {"action": "approve", "labels": []})
    assert event is not None and len(callbacks) == 1  # the send waits for the commit
    return WebhookDelivery.objects.get(event=event, endpoint=endpoint)


def test_signature_verifies_over_timestamp_and_raw_body(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    pending = emitted(endpoint, django_capture_on_commit_callbacks)
    assert receiver.requests == []  # nothing is sent inside the transaction

    outcome = delivery.attempt_delivery(pending.pk)

    assert outcome.outcome == "delivered" and outcome.status_code == 200
    headers, body = receiver.requests[0]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Unmask-Event"] == "clip.decided"
    assert headers["X-Unmask-Delivery"] == str(pending.public_id)
    signature = headers["X-Unmask-Signature"]
    assert signature.startswith("v1=")
    assert verify_signature(endpoint.secret, headers["X-Unmask-Timestamp"], body, signature)
    assert not verify_signature("another-secret", headers["X-Unmask-Timestamp"], body, signature)
    assert not verify_signature(
        endpoint.secret, headers["X-Unmask-Timestamp"], body + b" ", signature
    )
    old = str(int(headers["X-Unmask-Timestamp"]) - 3600)
    assert not verify_signature(endpoint.secret, old, body, signature)
    payload = json.loads(body)
    assert payload["type"] == "clip.decided"
    assert payload["clip"]["status"] == "approved"
    assert payload["data"] == {"action": "approve", "labels": []}
    pending.refresh_from_db()
    assert pending.status == DeliveryStatus.SUCCEEDED and pending.attempts == 1


def test_receiver_failing_twice_gets_three_attempts(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.script = [500, 500, 200]
    pending = emitted(endpoint, django_capture_on_commit_callbacks)

    outcomes = []
    while not outcomes or outcomes[-1].outcome == "retry":
        outcomes.append(delivery.attempt_delivery(pending.pk))

    assert [o.outcome for o in outcomes] == ["retry", "retry", "delivered"]
    assert len(receiver.requests) == 3
    log = list(DeliveryAttempt.objects.filter(delivery=pending).order_by("number"))
    assert [(a.number, a.status_code) for a in log] == [(1, 500), (2, 500), (3, 200)]
    assert all(a.latency_ms >= 0 for a in log)
    assert log[0].error == "HTTP 500" and log[0].response_excerpt == "receiver trouble"
    pending.refresh_from_db()
    assert pending.status == DeliveryStatus.SUCCEEDED and pending.attempts == 3
    # Every retry is the same delivery, signed afresh.
    assert len({h["X-Unmask-Delivery"] for h, _ in receiver.requests}) == 1


def test_task_run_eagerly_retries_until_delivered(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.script = [500, 500, 200]
    pending = emitted(endpoint, django_capture_on_commit_callbacks)
    celery_app.conf.task_always_eager = True
    try:
        assert tasks.deliver_webhook.delay(pending.pk).get() == "retry"
    finally:
        celery_app.conf.task_always_eager = False
    pending.refresh_from_db()
    assert pending.status == DeliveryStatus.SUCCEEDED
    assert pending.attempts == 3 and len(receiver.requests) == 3


def test_backoff_doubles_and_is_capped(settings):
    settings.UNMASK_WEBHOOK_BACKOFF_S = 10.0
    settings.UNMASK_WEBHOOK_BACKOFF_MAX_S = 60.0
    assert [delivery.backoff_seconds(n) for n in range(1, 6)] == [10, 20, 40, 60, 60]


def test_a_retry_waits_for_its_time(
    settings, endpoint, receiver, django_capture_on_commit_callbacks
):
    settings.UNMASK_WEBHOOK_BACKOFF_S = 30.0
    receiver.script = [503]
    pending = emitted(endpoint, django_capture_on_commit_callbacks)
    first = delivery.attempt_delivery(pending.pk)
    assert first.outcome == "retry" and first.retry_in == 30.0
    # Too early: a duplicate task message finds nothing due and sends nothing.
    assert delivery.attempt_delivery(pending.pk).outcome == "skipped"
    assert len(receiver.requests) == 1


def test_gives_up_after_the_cap(settings, endpoint, receiver, django_capture_on_commit_callbacks):
    settings.UNMASK_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.script = [500, 500, 500]
    pending = emitted(endpoint, django_capture_on_commit_callbacks)
    outcomes = [delivery.attempt_delivery(pending.pk).outcome for _ in range(3)]
    assert outcomes == ["retry", "failed", "skipped"]
    pending.refresh_from_db()
    assert pending.status == DeliveryStatus.FAILED and pending.attempts == 2
    assert len(receiver.requests) == 2


def test_hanging_receiver_is_cut_by_the_timeout(
    settings, endpoint, receiver, django_capture_on_commit_callbacks
):
    settings.UNMASK_WEBHOOK_TIMEOUT_S = 0.5
    receiver.hang = True
    pending = emitted(endpoint, django_capture_on_commit_callbacks)
    started = time.monotonic()
    outcome = delivery.attempt_delivery(pending.pk)
    assert time.monotonic() - started < 3
    assert outcome.outcome == "retry" and outcome.status_code is None
    attempt = DeliveryAttempt.objects.get(delivery=pending)
    assert "Timed out" in attempt.error and attempt.latency_ms >= 400


def test_redirects_are_not_followed(endpoint, receiver, django_capture_on_commit_callbacks):
    receiver.script = [302]
    pending = emitted(endpoint, django_capture_on_commit_callbacks)
    outcome = delivery.attempt_delivery(pending.pk)
    assert outcome.outcome == "retry" and outcome.status_code == 302
    assert len(receiver.requests) == 1


def test_unreachable_receiver_is_logged_not_raised(db, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpoint.objects.create(
        name="gone", url="http://127.0.0.1:9/hook", events=["clip.decided"]
    )
    pending = emitted(endpoint, django_capture_on_commit_callbacks)
    outcome = delivery.attempt_delivery(pending.pk)
    assert outcome.outcome == "retry"
    assert DeliveryAttempt.objects.get(delivery=pending).error.startswith("Connection failed")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/", "127.0.0.1:8000"]
)
def test_only_http_urls_are_accepted(db, url):
    endpoint = WebhookEndpoint(name="bad", url=url, events=["clip.scored"])
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert "url" in refused.value.message_dict
    assert delivery.post_json(url, b"{}", {}, 1.0).error


def test_unknown_event_types_are_refused(db):
    endpoint = WebhookEndpoint(name="x", url="https://example.org/h", events=["clip.exploded"])
    with pytest.raises(ValidationError):
        endpoint.full_clean()
    with pytest.raises(ValueError):
        queue_webhook_event("clip.exploded", ClipFactory(), {})


def test_nobody_listening_records_nothing(db):
    WebhookEndpoint.objects.create(
        name="scores only", url="https://example.org/h", events=["clip.scored"]
    )
    WebhookEndpoint.objects.create(
        name="off", url="https://example.org/o", events=["clip.decided"], active=False
    )
    assert queue_webhook_event("clip.decided", ClipFactory(), {}) is None
    assert WebhookEvent.objects.count() == 0


def test_test_event_goes_to_chosen_endpoints_whatever_they_subscribe(
    receiver, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpoint.objects.create(name="quiet", url=receiver.url, events=[])
    with django_capture_on_commit_callbacks(execute=False):
        event = send_test_event([endpoint])
    pending = WebhookDelivery.objects.get(event=event)
    assert delivery.attempt_delivery(pending.pk).outcome == "delivered"
    headers, body = receiver.requests[0]
    assert headers["X-Unmask-Event"] == "webhook.test"
    assert json.loads(body)["clip"] is None


def test_sweeper_resends_deliveries_whose_task_was_lost(
    endpoint, django_capture_on_commit_callbacks, monkeypatch
):
    pending = emitted(endpoint, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=pending.pk).update(
        next_attempt_at=pending.next_attempt_at - tasks.SWEEP_GRACE * 2
    )
    sent = []
    monkeypatch.setattr(
        tasks, "schedule_delivery", lambda pk, countdown=0.0: sent.append(pk) or True
    )
    assert tasks.send_lost_deliveries() == 1
    assert sent == [pending.pk]
