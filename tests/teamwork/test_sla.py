"""SLA deadlines follow the configured bands; the sweep records each breach once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip
from teamwork.models import SlaBand, SlaBreach
from teamwork.sla import (
    band_for,
    configured_bands,
    deadline_for,
    open_clips_by_time_left,
    record_sla_breaches,
    with_deadline,
)
from teamwork.tasks import record_sla_breaches as sweep_task
from tests.factories import ClipFactory, claimed_clip, decided_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def bands():
    SlaBand.objects.create(name="critical", min_priority=120, hours=1)
    SlaBand.objects.create(name="high", min_priority=60, hours=6)
    SlaBand.objects.create(name="normal", min_priority=0, hours=48)


def test_without_bands_the_settings_apply(settings):
    settings.UNMASK_SLA_HIGH_PRIORITY = 100
    settings.UNMASK_SLA_HOURS_HIGH = 4
    settings.UNMASK_SLA_HOURS_NORMAL = 24
    start = timezone.now()
    assert deadline_for(start, 150) == start + timedelta(hours=4)
    assert deadline_for(start, 10) == start + timedelta(hours=24)


def test_deadlines_follow_the_configured_bands(bands, reporter):
    start = timezone.now() - timedelta(hours=10)
    assert [b.name for b in configured_bands()] == ["critical", "high", "normal"]
    assert deadline_for(start, 130) == start + timedelta(hours=1)
    assert deadline_for(start, 60) == start + timedelta(hours=6)
    assert deadline_for(start, 59.9) == start + timedelta(hours=48)
    assert band_for(-5).name == "normal"  # below every band: the lowest
    # The SQL annotation agrees, from the first report.
    critical = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=130)
    normal = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=10, created_at=start)
    critical.reports.create(reporter=reporter, created_at=start)
    critical.reports.create(reporter=reporter, created_at=start + timedelta(hours=2))
    rows = {c.pk: c for c in with_deadline(Clip.objects.all())}
    assert rows[critical.pk].sla_band == "critical"
    assert rows[critical.pk].sla_deadline == start + timedelta(hours=1)
    assert rows[normal.pk].sla_deadline == start + timedelta(hours=48)
    assert list(open_clips_by_time_left()) == [critical, normal]


def test_changing_a_band_moves_the_deadline(bands):
    start = timezone.now()
    SlaBand.objects.filter(name="high").update(hours=2)
    assert deadline_for(start, 70) == start + timedelta(hours=2)


def test_breaches_are_recorded_once_and_audited(bands):
    old = timezone.now() - timedelta(hours=3)
    late = claimed_clip(priority=130, created_at=old)
    ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=10, created_at=old)  # 48 h left
    decided_clip("remove", priority=130, created_at=old)
    assert record_sla_breaches() == 1
    breach = SlaBreach.objects.get()
    assert (breach.clip, breach.band, breach.status_at_detection) == (
        late,
        "critical",
        ClipStatus.IN_REVIEW,
    )
    assert breach.deadline == old + timedelta(hours=1)
    assert AuditEvent.objects.filter(clip=late, action="sla.breached").count() == 1
    assert sweep_task() == 0  # idempotent


def test_desk_queue_and_review_page_show_the_configured_deadline(client, moderator, reporter):
    SlaBand.objects.create(name="urgent", min_priority=0, hours=2)
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=10)
    report = clip.reports.create(reporter=reporter)
    client.force_login(moderator)
    response = client.get(reverse("dashboard:queue"))
    (row,) = response.context["rows"]
    assert row.sla_deadline == report.created_at + timedelta(hours=2)
    due = timezone.localtime(row.sla_deadline).isoformat()
    assert f'data-countdown datetime="{due}"' in response.content.decode()
    response = client.get(reverse("dashboard:clip", args=[clip.public_id]))
    assert response.context["sla_deadline"] == report.created_at + timedelta(hours=2)
    assert "Urgent priority" in response.content.decode()
