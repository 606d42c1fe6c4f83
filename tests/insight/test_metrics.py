"""The team dashboard's metrics against values worked out by hand for a small fixture.

Fixture (now = 2026-11-20 12:00 UTC, range = the two days before it, so charted per hour):
  c1 arrives now-10h, approved by moderator at now-9h          wait  1 h
  c2 arrives now-10h, labelled face-swap by moderator at now-7h wait  3 h
  c3 arrives now-20h, removed by moderator2 at now-10h          wait 10 h
  c4 arrives now-40h, escalated by moderator at now-30h, approved by senior at now-10h: 30 h
  open: c5 awaiting review (now-2h), c6 escalated (now-100h, before the range), c7 queued (now-30m)
"""

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.constants import ClipStatus, DecisionAction
from insight import metrics
from teamwork.constants import AppealSource, AppealState
from teamwork.models import Appeal
from tests.factories import PersonFactory
from tests.insight.helpers import clip_at, decide

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SPAN = metrics.DateRange(NOW - timedelta(days=2), NOW)
H = timedelta(hours=1)


@pytest.fixture
def team(moderator, moderator2, senior):
    ana, ben = PersonFactory(name="Ana"), PersonFactory(name="Ben")
    c1 = clip_at(NOW - 10 * H, ClipStatus.IN_REVIEW, platform="tube")
    c2 = clip_at(NOW - 10 * H, ClipStatus.IN_REVIEW, platform="tube")
    c3 = clip_at(NOW - 20 * H, ClipStatus.IN_REVIEW, platform="shorts")
    c4 = clip_at(NOW - 40 * H, ClipStatus.IN_REVIEW, platform="tube")
    c1.persons.add(ana)
    c2.persons.add(ana)
    c3.persons.add(ana, ben)
    decide(c1, moderator, DecisionAction.APPROVE, NOW - 9 * H, final_status=ClipStatus.APPROVED)
    decide(
        c2,
        moderator,
        DecisionAction.LABEL,
        NOW - 7 * H,
        labels=("face-swap",),
        final_status=ClipStatus.LABELED,
    )
    decide(c3, moderator2, DecisionAction.REMOVE, NOW - 10 * H, final_status=ClipStatus.REMOVED)
    decide(c4, moderator, DecisionAction.ESCALATE, NOW - 30 * H)
    decide(c4, senior, DecisionAction.APPROVE, NOW - 10 * H, final_status=ClipStatus.APPROVED)
    clip_at(NOW - 2 * H, ClipStatus.AWAITING_REVIEW)
    clip_at(NOW - 100 * H, ClipStatus.ESCALATED)
    clip_at(NOW - timedelta(minutes=30), ClipStatus.QUEUED)


def test_backlog_by_status_and_age(team, django_assert_num_queries):
    with django_assert_num_queries(1):
        backlog = metrics.backlog(now=NOW)
    assert backlog["total"] == 3
    assert backlog["by_status"] == [
        ("Queued for scoring", 1),
        ("Awaiting review", 1),
        ("Escalated", 1),
    ]
    assert dict(backlog["by_age"]) == {
        "< 1 h": 1, "1–4 h": 1, "4–24 h": 0, "1–3 d": 0, "3–7 d": 1, "> 7 d": 0
    }  # fmt: skip


def test_time_to_decision_median_p90_and_sla(team, django_assert_num_queries):
    # decided per bucket with the late ones, open and overdue, both percentiles
    with django_assert_num_queries(3):
        result = metrics.time_to_decision(SPAN, sla_hours=24, now=NOW)
    assert result["decided"] == 4
    # waits 1, 3, 10, 30 h: median at rank 1.5 -> 3 + 0.5 * 7 = 6.5 h;
    # p90 at rank 0.9 * 3 = 2.7 -> 10 + 0.7 * 20 = 24 h.
    assert result["median"] == timedelta(hours=6.5)
    assert result["p90"] == timedelta(hours=24)
    assert result["decided_late"] == 1  # c4, 30 h
    assert result["open_late"] == 1  # c6 has waited 100 h
    assert result["on_time_rate"] == pytest.approx(0.75)


def test_time_to_decision_tighter_sla(team):
    result = metrics.time_to_decision(SPAN, sla_hours=2, now=NOW)
    assert result["decided_late"] == 3  # 3, 10 and 30 h
    assert result["open_late"] == 1  # c5 (2 h) is exactly at the target, not over it


def test_percentile_of_one_and_none(team):
    from dashboard.models import Clip

    assert metrics.percentile(Clip.objects.filter(pk=-1), "created_at", 0.5) is None
    one = Clip.objects.filter(platform="shorts")
    assert metrics.percentile(one, "created_at", 0.9) == NOW - 20 * H


def test_percentile_recounts_when_the_callers_count_is_stale(team):
    """A count taken by another query just before rows left the set must not crash the page."""
    from dashboard.models import Clip

    one = Clip.objects.filter(platform="shorts")
    assert one.count() == 1
    assert metrics.percentile(one, "created_at", 0.9, count=3) == NOW - 20 * H


def test_throughput_per_hour(team):
    result = metrics.throughput(SPAN)
    assert result["hourly"] is True
    assert len(result["buckets"]) == 48
    arrived = dict(zip(result["buckets"], result["arrived"], strict=True))
    decided = dict(zip(result["buckets"], result["decided"], strict=True))
    assert arrived[NOW - 10 * H] == 2
    assert arrived[NOW - 20 * H] == 1
    assert arrived[NOW - 40 * H] == 1
    assert sum(result["arrived"]) == 6  # c6 arrived before the range
    assert decided[NOW - 10 * H] == 2  # c3 and c4
    assert decided[NOW - 9 * H] == 1
    assert decided[NOW - 7 * H] == 1
    assert sum(result["decided"]) == 4


def test_throughput_per_day_for_long_ranges(team):
    result = metrics.throughput(metrics.DateRange(NOW - timedelta(days=10), NOW))
    assert result["hourly"] is False
    assert len(result["buckets"]) == 11  # the partial first day and ten more
    assert sum(result["arrived"]) == 7
    assert sum(result["decided"]) == 4


def test_decisions_by_action_and_escalation_rate(team):
    result = metrics.decisions_by_action(SPAN)
    assert dict(result["by_action"]) == {"Approve": 2, "Label": 1, "Remove": 1, "Escalate": 1}
    assert result["total"] == 5
    assert result["escalation_rate"] == pytest.approx(1 / 5)
    assert metrics.decisions_by_label(SPAN) == [("Face swap", 1)]


def test_per_moderator_throughput_and_overturns(team, django_assert_num_queries):
    with django_assert_num_queries(2):  # the grouped decisions, then the usernames
        rows = metrics.per_moderator(SPAN)
    # moderator's escalation of c4 was approved by the senior: overturned.
    assert rows == [
        {"moderator": "moderator", "decisions": 3, "overturned": 1, "overturn_rate": 1 / 3},
        {"moderator": "moderator2", "decisions": 1, "overturned": 0, "overturn_rate": 0.0},
        {"moderator": "senior", "decisions": 1, "overturned": 0, "overturn_rate": 0.0},
    ]


def test_escalation_upheld_is_not_an_overturn(moderator, senior):
    clip = clip_at(NOW - 5 * H, ClipStatus.IN_REVIEW)
    decide(clip, moderator, DecisionAction.ESCALATE, NOW - 4 * H)
    decide(clip, senior, DecisionAction.REMOVE, NOW - 3 * H, final_status=ClipStatus.REMOVED)
    rows = {r["moderator"]: r for r in metrics.per_moderator(SPAN)}
    assert rows["moderator"]["overturned"] == 0


def test_most_targeted_persons_and_platforms(team):
    result = metrics.most_targeted(SPAN)
    assert result["persons"] == [("Ana", 3), ("Ben", 1)]
    assert result["platforms"] == [("tube", 3), ("shorts", 1)]


def test_appeal_outcomes_filed_and_decided_in_the_range(
    moderator, moderator2, django_assert_num_queries
):
    # a1 filed now-8h, upheld now-6h; a2 filed now-9h, overturned now-5h; a3 filed now-3h, open;
    # a4 filed before the range (now-3d), overturned in it (now-1h); a5 filed and upheld before
    # the range. Filed in the range: a1, a2, a3 (a3 still open); decided in it: a1 upheld,
    # a2 and a4 overturned -> overturn rate 2/3.
    def appeal(filed, state=AppealState.OPEN, reviewed=None):
        clip = clip_at(filed - 2 * H, ClipStatus.IN_REVIEW)
        decision = decide(clip, moderator, DecisionAction.REMOVE, filed - H, final_status="removed")
        return Appeal.objects.create(
            clip=clip,
            decision=decision,
            statement="It is really me.",
            source=AppealSource.API,
            submitted_at=filed,
            state=state,
            reviewed_by=moderator2 if reviewed else None,
            reviewed_at=reviewed,
        )

    appeal(NOW - 8 * H, AppealState.UPHELD, NOW - 6 * H)
    appeal(NOW - 9 * H, AppealState.OVERTURNED, NOW - 5 * H)
    appeal(NOW - 3 * H)
    appeal(NOW - timedelta(days=3), AppealState.OVERTURNED, NOW - H)
    appeal(NOW - timedelta(days=4), AppealState.UPHELD, NOW - timedelta(days=3))
    with django_assert_num_queries(1):
        result = metrics.appeal_outcomes(SPAN)
    assert result == {
        "received": 3,
        "open": 1,
        "upheld": 1,
        "overturned": 2,
        "decided": 3,
        "overturn_rate": pytest.approx(2 / 3),
    }
    nothing = metrics.appeal_outcomes(metrics.DateRange(NOW + H, NOW + 2 * H))
    assert nothing["received"] == nothing["decided"] == 0
    assert nothing["overturn_rate"] is None
