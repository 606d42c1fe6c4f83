"""The dashboard's per-hour summary equals a computation from scratch, whatever happens.

Fixture (now = 2026-11-20 12:00 UTC; the range is the two days before it):
  c1 arrives now-9h40, approved by moderator at now-8h50 (wait 50 min)      tube,   Ana
  c2 arrives now-30h, labelled face-swap by moderator at now-26h (4 h)      shorts, Ana, Ben
  c3 arrives now-40h, escalated by moderator2 at now-39h, approved by senior at now-20h (20 h):
     moderator2's escalation is overturned
  open: c5 awaiting review since now-3h (tube)
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.models import Clip
from insight import metrics, summary, tasks, triggers
from insight.forms import DateRangeForm
from insight.models import ClipHour, DecisionHour, LabelHour, PersonHour, StaleHour, WaitHour
from tests.factories import PersonFactory
from tests.insight.helpers import clip_at, decide, seed_busy_day

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SPAN = metrics.DateRange(NOW - timedelta(days=2), NOW)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def snapshot(team: metrics.TeamMetrics) -> dict:
    return {
        "throughput": team.throughput(),
        "waits": team.time_to_decision(),
        "actions": team.decisions_by_action(),
        "moderators": team.per_moderator(),
        "labels": team.labels(),
        "persons": team.persons(),
        "platforms": team.platforms(),
    }


def from_scratch(span: metrics.DateRange = SPAN) -> dict:
    return snapshot(metrics.TeamMetrics(span, now=NOW, use_summary=False))


def with_summary(span: metrics.DateRange = SPAN) -> dict:
    team = metrics.TeamMetrics(span, now=NOW)
    assert team.split.summarised
    return snapshot(team)


def marked() -> set[datetime]:
    return set(StaleHour.objects.values_list("hour", flat=True))


@pytest.fixture
def desk(moderator, moderator2, senior):
    ana, ben = PersonFactory(name="Ana"), PersonFactory(name="Ben")
    c1 = clip_at(NOW - 9 * H - 40 * M, ClipStatus.IN_REVIEW, platform="tube")
    c1.persons.add(ana)
    decide(c1, moderator, DecisionAction.APPROVE, NOW - 8 * H - 50 * M, final_status="approved")
    c2 = clip_at(NOW - 30 * H, ClipStatus.IN_REVIEW, platform="shorts")
    c2.persons.add(ana, ben)
    decide(
        c2,
        moderator,
        DecisionAction.LABEL,
        NOW - 26 * H,
        labels=("face-swap",),
        final_status=ClipStatus.LABELED,
    )
    c3 = clip_at(NOW - 40 * H, ClipStatus.IN_REVIEW, platform="tube")
    decide(c3, moderator2, DecisionAction.ESCALATE, NOW - 39 * H)
    decide(c3, senior, DecisionAction.APPROVE, NOW - 20 * H, final_status=ClipStatus.APPROVED)
    clip_at(NOW - 3 * H, ClipStatus.AWAITING_REVIEW, platform="tube")


def test_every_counted_change_marks_its_hours(moderator, senior):
    clip = clip_at(NOW - 10 * H + 5 * M, ClipStatus.IN_REVIEW)
    assert marked() == {NOW - 10 * H}
    StaleHour.objects.all().delete()
    clip.persons.add(PersonFactory())
    assert marked() == {NOW - 10 * H}  # the arrival hour counts its persons
    StaleHour.objects.all().delete()
    Clip.objects.filter(pk=clip.pk).update(claimed_by=moderator, priority=50)
    assert marked() == set()  # nothing the summary counts
    decide(clip, moderator, DecisionAction.ESCALATE, NOW - 5 * H + 59 * M)
    # The escalation's hour, and the arrival hour: escalating changed the clip's status.
    assert marked() == {NOW - 10 * H, NOW - 5 * H}
    StaleHour.objects.all().delete()
    decide(
        clip, senior, DecisionAction.LABEL, NOW - H, labels=("face-swap",), final_status="labeled"
    )
    # The new decision's hour and the escalation's (now overturned?), the clip's arrival (its
    # wait) and decision hours, and the label's decision hour.
    assert marked() == {NOW - 10 * H, NOW - 5 * H, NOW - H}


def test_refresh_builds_the_summary_that_the_dashboard_then_reads(
    desk, moderator, moderator2, senior
):
    before = from_scratch()
    assert summary.refresh_all() > 0
    assert not StaleHour.objects.exists()
    assert with_summary() == before
    # The hand-counted rows.
    assert set(ClipHour.objects.values_list("hour", "platform", "arrived", "decided")) == {
        (NOW - 10 * H, "tube", 1, 0),
        (NOW - 9 * H, "tube", 0, 1),
        (NOW - 30 * H, "shorts", 1, 0),
        (NOW - 26 * H, "shorts", 0, 1),
        (NOW - 40 * H, "tube", 1, 0),
        (NOW - 20 * H, "tube", 0, 1),
        (NOW - 3 * H, "tube", 1, 0),
    }
    assert set(DecisionHour.objects.values_list("hour", "moderator", "action", "overturned")) == {
        (NOW - 9 * H, moderator.pk, "approve", 0),
        (NOW - 26 * H, moderator.pk, "label", 0),
        (NOW - 39 * H, moderator2.pk, "escalate", 1),
        (NOW - 20 * H, senior.pk, "approve", 0),
    }
    assert LabelHour.objects.get().hour == NOW - 26 * H
    assert sorted(PersonHour.objects.values_list("hour", "clips")) == [
        (NOW - 30 * H, 1),
        (NOW - 30 * H, 1),
        (NOW - 10 * H, 1),
    ]
    # Each wait's bucket (julianday arithmetic puts a wait on an edge on either side of it).
    waits = {
        hour: summary.bucket_bounds(b) for hour, b in WaitHour.objects.values_list("hour", "bucket")
    }
    for hour, wait in ((NOW - 9 * H, 50 * 60), (NOW - 26 * H, 4 * 3600), (NOW - 20 * H, 20 * 3600)):
        low, high = waits[hour]
        assert low - 0.001 <= wait <= high + 0.001
        assert high - low == {3000: 30, 14400: 300, 72000: 3600}[wait]
    # And it is the summary that is read: a changed summary row shows on the dashboard.
    ClipHour.objects.filter(hour=NOW - 10 * H).update(arrived=F("arrived") + 100)
    arrived = sum(with_summary()["throughput"]["arrived"])
    assert arrived == sum(before["throughput"]["arrived"]) + 100


def test_new_decisions_count_before_and_after_the_next_refresh(desk, moderator, moderator2):
    summary.refresh_all()
    clip = clip_at(NOW - 2 * H, ClipStatus.IN_REVIEW, platform="shorts")
    decide(clip, moderator2, DecisionAction.REMOVE, NOW - H + 10 * M, final_status="removed")
    assert marked() == {NOW - 2 * H, NOW - H}
    scratch = from_scratch()
    assert scratch["actions"]["total"] == 5 and scratch["waits"]["decided"] == 4
    assert with_summary() == scratch  # the stale hours read from the desk's rows
    summary.refresh_all()
    assert with_summary() == scratch


def test_an_overturn_days_later_reaches_the_escalations_hour(desk, moderator, senior):
    clip = clip_at(NOW - 45 * H, ClipStatus.IN_REVIEW)
    decide(clip, moderator, DecisionAction.ESCALATE, NOW - 44 * H + 30 * M)
    summary.refresh_all()
    rows = {r["moderator"]: r for r in with_summary()["moderators"]}
    assert rows["moderator"]["overturned"] == 0
    decide(clip, senior, DecisionAction.APPROVE, NOW - H, final_status=ClipStatus.APPROVED)
    assert NOW - 44 * H in marked()
    rows = {r["moderator"]: r for r in with_summary()["moderators"]}
    assert rows["moderator"] == {
        "moderator": "moderator",
        "decisions": 3,
        "overturned": 1,
        "overturn_rate": 1 / 3,
    }
    summary.refresh_all()
    assert with_summary() == from_scratch()


def test_partial_hours_at_the_range_edges_come_from_the_desk(moderator):
    day = datetime(2026, 11, 20, tzinfo=UTC)
    for minute in (10 * 60 + 10, 10 * 60 + 40, 11 * 60 + 20, 14 * 60 + 10, 14 * 60 + 20):
        clip = clip_at(day + minute * M, ClipStatus.IN_REVIEW)
        decide(
            clip,
            moderator,
            DecisionAction.APPROVE,
            day + (minute + 10) * M,
            final_status="approved",
        )
    summary.refresh_all()
    span = metrics.DateRange(day + 10 * H + 30 * M, day + 14 * H + 15 * M)
    team = metrics.TeamMetrics(span, now=NOW)
    assert (team.split.first, team.split.last) == (day + 11 * H, day + 14 * H)
    result = snapshot(team)
    assert sum(result["throughput"]["arrived"]) == 3  # 10:40, 11:20, 14:10
    assert result["waits"]["decided"] == 2  # 10:50, 11:30 (14:20 is past the end)
    assert result["actions"]["total"] == 2
    assert result == snapshot(metrics.TeamMetrics(span, now=NOW, use_summary=False))


def test_day_ranges_in_a_whole_hour_time_zone_align_with_the_summary(moderator):
    with timezone.override("Europe/Paris"):  # UTC+1 in November: days start at 23:00 UTC
        before = clip_at(datetime(2026, 11, 19, 22, 30, tzinfo=UTC), ClipStatus.IN_REVIEW)
        after = clip_at(datetime(2026, 11, 19, 23, 30, tzinfo=UTC), ClipStatus.IN_REVIEW)
        for clip in (before, after):
            decide(clip, moderator, "approve", clip.created_at + 10 * M, final_status="approved")
        summary.refresh_all()
        form = DateRangeForm({"start": "2026-11-20", "end": "2026-11-20"})
        assert form.is_valid()
        span = form.date_range()
        team = metrics.TeamMetrics(span, now=NOW)
        assert (team.split.first, team.split.last) == (span.start, span.end)  # no partial hour
        result = snapshot(team)
        assert result["throughput"]["arrived"][0] == 1  # 00:30 in Paris, the first hour
        assert sum(result["throughput"]["arrived"]) == 1
        assert result["waits"]["decided"] == 1
        assert result == snapshot(metrics.TeamMetrics(span, now=NOW, use_summary=False))


def test_half_hour_time_zones_read_the_desk_rows(moderator):
    with timezone.override("Asia/Kolkata"):  # UTC+5:30: local hours cut UTC hours in half
        clip = clip_at(datetime(2026, 11, 19, 18, 40, tzinfo=UTC), ClipStatus.IN_REVIEW)  # 00:10
        decide(clip, moderator, "approve", clip.created_at + 10 * M, final_status="approved")
        clip_at(datetime(2026, 11, 19, 18, 20, tzinfo=UTC), ClipStatus.IN_REVIEW)  # 23:50 the 19th
        summary.refresh_all()
        form = DateRangeForm({"start": "2026-11-20", "end": "2026-11-20"})
        assert form.is_valid()
        team = metrics.TeamMetrics(form.date_range(), now=NOW)
        assert not team.split.summarised
        result = snapshot(team)
        assert result["throughput"]["arrived"][0] == 1
        assert sum(result["throughput"]["arrived"]) == 1


def test_wait_buckets_hold_their_waits(moderator):
    waits = [0.4, 1, 1.5, 59.5, 60, 60.2, 599, 601, 3599, 3601, 43199, 43201, 86400.5]
    waits += [30 * 86400 - 1, 30 * 86400 + 1, 40 * 86400]
    for wait in waits:
        clip = clip_at(NOW - timedelta(seconds=wait), ClipStatus.AWAITING_REVIEW)
        decide(clip, moderator, DecisionAction.APPROVE, NOW)
    rows = summary.decided_clips().annotate(b=summary.wait_bucket(F("wait_s")))
    seen = sorted(rows.values_list("wait_s", "b"))
    assert len(seen) == len(waits)
    for (wait, bucket), expected in zip(seen, sorted(waits), strict=True):
        assert wait == pytest.approx(expected, abs=1e-3)
        low, high = summary.bucket_bounds(bucket)
        assert low - 1e-3 <= wait if bucket else wait <= 1
        assert high is None or wait <= high + 1e-3
    assert seen[-1][1] == seen[-2][1] == summary.OVERFLOW


def test_histogram_percentiles_of_hand_made_buckets():
    one_hour = summary.sla_edge(3600)  # the bucket (3600, 3900]
    assert summary.bucket_bounds(one_hour) == (3600, 3900)
    # Two waits in (3600, 3900] are placed at 1/4 and 3/4 of it; one in the next bucket.
    counts = {one_hour: 2, one_hour + 1: 1}
    median, p90 = summary.histogram_percentiles(counts, [0.5, 0.9])
    assert median == pytest.approx(3600 + 225)
    # rank 1.8: from 3825 to the middle of (3900, 4200], 4050, 80 % of the way.
    assert p90 == pytest.approx(3825 + 0.8 * (4050 - 3825))
    assert summary.histogram_percentiles({}, [0.5]) == [None]
    assert summary.count_longer(counts, 3600) == 3
    assert summary.count_longer(counts, 3900) == 1
    assert summary.sla_edge(3601) is None
    with pytest.raises(ValueError):
        summary.count_longer(counts, 3601)


def test_many_decided_clips_estimate_percentiles_within_a_bucket(desk, monkeypatch):
    monkeypatch.setattr(metrics, "EXACT_PERCENTILES_UP_TO", 0)
    summary.refresh_all()
    (median, p90), _ = metrics.percentiles(metrics._decided_in(SPAN), "wait_s", [0.5, 0.9])
    # Waits 50 min, 4 h, 20 h.
    assert (median, p90) == pytest.approx((4 * 3600, 4 * 3600 + 0.8 * 16 * 3600), abs=0.001)
    for team in (
        metrics.TeamMetrics(SPAN, sla_hours=5, now=NOW),
        metrics.TeamMetrics(SPAN, sla_hours=5, now=NOW, use_summary=False),
    ):
        result = team.time_to_decision()
        assert result["percentiles_exact"] is False
        # 4 h is in the 5-minute bucket (3:55, 4:00]; p90 between it and (19 h, 20 h].
        assert abs(result["median"].total_seconds() - median) < 300
        assert abs(result["p90"].total_seconds() - p90) < 3600
        assert result["decided_late"] == 1  # exact: 20 h is over 5 h, 4 h and 50 min are not
    # An SLA target that is no bucket edge falls back to the exact query.
    exact = metrics.TeamMetrics(SPAN, sla_hours=5.01, now=NOW).time_to_decision()
    assert exact["percentiles_exact"] is True
    assert exact["median"] == timedelta(hours=4)


def test_a_change_during_a_refresh_stays_marked(desk, monkeypatch):
    rebuild = summary.rebuild_hours

    def rebuild_while_someone_writes(hours):
        rebuild(hours)
        StaleHour.objects.create(hour=hours[0], hour_end=hours[0] + H)

    monkeypatch.setattr(summary, "rebuild_hours", rebuild_while_someone_writes)
    first = min(marked())
    summary.refresh_summary()
    assert marked() == {first}


def test_a_missing_trigger_is_installed_again_and_every_hour_rebuilt(desk):
    summary.refresh_all()
    assert triggers.install_triggers() is False
    name, table = sorted(triggers._existing(connection).items())[0]
    on = "" if connection.vendor == "sqlite" else f" ON {table}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {name}{on}")
    assert triggers.install_triggers() is True
    assert marked() >= {NOW - 40 * H, NOW - 39 * H, NOW - 20 * H, NOW - 10 * H, NOW - 3 * H}
    assert triggers.install_triggers() is False
    summary.refresh_all()
    assert with_summary() == from_scratch()


def test_refresh_task_rebuilds_until_nothing_is_stale(desk):
    hours = len(marked())
    assert tasks.refresh_dashboard_summary() == hours
    assert tasks.refresh_dashboard_summary() == 0


def test_dashboard_page_is_the_same_before_and_after_the_refresh(moderator, moderator2, senior):
    seed_busy_day(moderator, moderator2, senior)
    client = Client()
    client.force_login(senior)
    keys = ("waits", "actions", "moderators", "appeals", "charts")
    before = client.get(reverse("insight:dashboard")).context
    before = {key: before[key] for key in keys}
    summary.refresh_all()
    after = client.get(reverse("insight:dashboard")).context
    assert {key: after[key] for key in keys} == before
