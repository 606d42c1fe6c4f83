"""/metrics: protected, and it carries queue depth, latencies, task failures, backlog, SLA."""

import pytest
from django.db import OperationalError
from prometheus_client.parser import text_string_to_metric_families

from dashboard.constants import ClipStatus
from detection import tasks as detection_tasks
from integrations import tasks as integration_tasks
from integrations.constants import DeliveryStatus
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from teamwork.models import SlaBreach
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"  # noqa: S105


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.UNMASK_METRICS_TOKEN = TOKEN


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def test_metrics_need_the_token_or_a_staff_user(client, moderator, admin_user):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    client.force_login(moderator)
    assert client.get("/metrics").status_code == 401
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    assert client.get("/metrics").status_code == 200


def test_queue_depth_by_state_backlog_and_sla_breaches(client):
    ClipFactory.create_batch(3, status=ClipStatus.AWAITING_REVIEW)
    ClipFactory(status=ClipStatus.QUEUED)
    breached = ClipFactory(status=ClipStatus.ESCALATED)
    SlaBreach.objects.create(
        clip=breached, band="high", deadline=breached.created_at, status_at_detection="escalated"
    )
    endpoint = WebhookEndpoint.objects.create(name="p", url="https://p.example/h", events=[])
    for status in (DeliveryStatus.PENDING, DeliveryStatus.PENDING, DeliveryStatus.FAILED):
        event = WebhookEvent.objects.create(event_type="webhook.test", payload={})
        WebhookDelivery.objects.create(event=event, endpoint=endpoint, status=status)

    samples = scrape(client)

    assert samples["unmask_clips{state=awaiting_review}"] == 3
    assert samples["unmask_clips{state=queued}"] == 1
    assert samples["unmask_clips{state=escalated}"] == 1
    assert samples["unmask_clips{state=removed}"] == 0  # every state is there, also empty ones
    assert samples["unmask_webhook_backlog{status=pending}"] == 2
    assert samples["unmask_webhook_backlog{status=sending}"] == 0
    assert samples["unmask_webhook_deliveries_failed{}"] == 1
    assert samples["unmask_sla_breaches_total{}"] == 1


def test_scoring_latency_histogram_counts_scoring_tasks(client, active_model):
    before = scrape(client).get("unmask_scoring_seconds_count{}", 0.0)
    clip = ClipFactory(status=ClipStatus.APPROVED)  # nothing to score: the task returns at once
    detection_tasks.score_clip.apply(args=[clip.pk])
    detection_tasks.score_clip.apply(args=[clip.pk])
    after = scrape(client)
    assert after["unmask_scoring_seconds_count{}"] == before + 2
    assert 0 <= after["unmask_scoring_seconds_sum{}"] < 60
    assert after["unmask_scoring_seconds_bucket{le=+Inf}"] >= 2
    assert "unmask_matching_seconds_count{}" in after


def test_task_failures_and_retries_are_counted(client, monkeypatch):
    task = "task=integrations.tasks.deliver_webhook"
    before = scrape(client)

    def database_gone(delivery_id):
        raise OperationalError("database is locked")

    monkeypatch.setattr(integration_tasks.delivery, "attempt_delivery", database_gone)
    result = integration_tasks.deliver_webhook.apply(args=[1])
    assert result.failed()

    after = scrape(client)
    retries = after[f"unmask_task_retries_total{{{task}}}"]
    assert retries - before.get(f"unmask_task_retries_total{{{task}}}", 0) >= 1
    failures = after[f"unmask_task_failures_total{{{task}}}"]
    assert failures - before.get(f"unmask_task_failures_total{{{task}}}", 0) >= 1
