"""The clip state machine: every allowed transition applies and audits; every other is refused."""

import itertools

import pytest

from dashboard.constants import FINAL_STATES, ClipStatus
from dashboard.models import AuditEvent, Clip
from dashboard.workflow import (
    ALLOWED_TRANSITIONS,
    StaleVersionError,
    TransitionError,
    record_event,
    transition,
)
from tests.factories import ClipFactory

# The lifecycle as README.md's "state machine" section draws it, written out by hand: the table
# in dashboard/workflow.py must say exactly this, so an entry nobody meant fails here.
EXPECTED_ALLOWED = {
    # Scoring: a worker takes a queued clip; it scores, fails, or goes back (lease expired).
    ("queued", "scoring"),
    ("queued", "failed"),
    ("scoring", "awaiting_review"),
    ("scoring", "failed"),
    ("scoring", "queued"),
    ("failed", "queued"),  # an operator retries it
    # Review: a moderator claims the clip, then decides, escalates or releases it.
    ("awaiting_review", "in_review"),
    ("in_review", "awaiting_review"),
    ("in_review", "approved"),
    ("in_review", "labeled"),
    ("in_review", "removed"),
    ("in_review", "escalated"),
    ("in_review", "awaiting_confirm"),
    # A senior decides an escalated clip (claims keep it escalated).
    ("escalated", "approved"),
    ("escalated", "labeled"),
    ("escalated", "removed"),
    ("escalated", "awaiting_confirm"),
    # Two-person rule: confirmed or overturned to an outcome (an escalation included), or
    # withdrawn back to where it came from (awaiting review, or escalated).
    ("awaiting_confirm", "approved"),
    ("awaiting_confirm", "labeled"),
    ("awaiting_confirm", "removed"),
    ("awaiting_confirm", "escalated"),
    ("awaiting_confirm", "awaiting_review"),
}
ALLOWED = sorted(EXPECTED_ALLOWED)
FORBIDDEN = sorted(set(itertools.product(ClipStatus.values, repeat=2)) - EXPECTED_ALLOWED)


def test_table_allows_exactly_the_expected_pairs():
    table = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table - EXPECTED_ALLOWED == set(), "allowed but not expected"
    assert EXPECTED_ALLOWED - table == set(), "expected but not allowed"


def test_table_covers_every_state_and_final_states_are_terminal():
    assert set(ALLOWED_TRANSITIONS) == set(ClipStatus.values)
    assert set(FINAL_STATES) == {"approved", "labeled", "removed"}
    for state in FINAL_STATES:
        assert ALLOWED_TRANSITIONS[state] == frozenset()


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_applies_and_audits(moderator, from_status, to_status):
    clip = ClipFactory(status=from_status)
    result = transition(clip.pk, to_status, actor=moderator, data={"why": "test"})
    clip.refresh_from_db()
    assert clip.status == to_status
    assert clip.version == 2
    assert result.from_status == from_status
    event = AuditEvent.objects.get(clip=clip)
    assert (event.from_status, event.to_status, event.actor) == (from_status, to_status, moderator)
    assert event.data == {"why": "test"}
    assert (clip.decided_at is not None) == (to_status in FINAL_STATES)


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_forbidden_transition_changes_nothing(from_status, to_status):
    clip = ClipFactory(status=from_status)
    with pytest.raises(TransitionError):
        transition(clip.pk, to_status, actor_label="test")
    clip.refresh_from_db()
    assert clip.status == from_status
    assert clip.version == 1
    assert not AuditEvent.objects.filter(clip=clip).exists()


@pytest.mark.django_db
def test_expected_from_and_version_guard():
    clip = ClipFactory(status=ClipStatus.SCORING)
    with pytest.raises(TransitionError):
        transition(clip.pk, ClipStatus.FAILED, expected_from=(ClipStatus.QUEUED,))
    with pytest.raises(StaleVersionError):
        transition(clip.pk, ClipStatus.FAILED, expected_version=7)
    transition(clip.pk, ClipStatus.FAILED, expected_version=1, fields={"failure_reason": "x"})
    clip.refresh_from_db()
    assert (clip.status, clip.failure_reason) == (ClipStatus.FAILED, "x")


@pytest.mark.django_db
def test_audit_events_and_decisions_are_append_only(moderator):
    clip = ClipFactory()
    event = record_event(clip, "note", actor=moderator)
    event.action = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "note"
    assert Clip.objects.filter(pk=clip.pk).exists()
