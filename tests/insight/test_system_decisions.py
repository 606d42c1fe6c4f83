"""Decisions the system took (a bank's auto-apply: no moderator) are counted by the team
dashboard, live and from its hourly summary, under the name "system"."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.db import transaction

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.decisions import record_decision
from dashboard.models import Clip, Decision
from insight import metrics
from insight.models import DecisionHour
from insight.summary import refresh_all
from tests.insight.helpers import clip_at, decide

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SPAN = metrics.DateRange(NOW - timedelta(days=2), NOW)
H = timedelta(hours=1)


def _system_removal(at: datetime) -> Decision:
    """A removal the system records at `at` through the one decision writer (no moderator),
    on a clip it opened for review, as a bank's auto-apply does."""
    clip = clip_at(at - H, ClipStatus.IN_REVIEW)
    with time_machine.travel(at, tick=False), transaction.atomic():
        locked = Clip.objects.select_for_update().get(pk=clip.pk)
        return record_decision(
            locked,
            actor=None,
            actor_label="policy:provenance_auto_apply",
            action=DecisionAction.REMOVE,
            reason="Matches a known fake",
        )


def test_per_moderator_names_system_decisions(moderator):
    decide(
        clip_at(NOW - 6 * H, ClipStatus.AWAITING_REVIEW),
        moderator,
        DecisionAction.APPROVE,
        NOW - 5 * H,
    )
    _system_removal(NOW - 4 * H)
    rows = {r["moderator"]: r["decisions"] for r in metrics.per_moderator(SPAN)}
    assert rows == {"moderator": 1, metrics.SYSTEM_DECIDER: 1}


def test_the_hourly_summary_keeps_system_decisions(moderator):
    _system_removal(NOW - 30 * H)
    refresh_all()
    assert DecisionHour.objects.get(moderator=None).decisions == 1
    rows = {r["moderator"]: r["decisions"] for r in metrics.per_moderator(SPAN)}
    assert rows == {metrics.SYSTEM_DECIDER: 1}
