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

ALL = list(ClipStatus)
ALLOWED = [(a, b) for a in ALL for b in sorted(ALLOWED_TRANSITIONS[a])]
FORBIDDEN = [(a, b) for a, b in itertools.product(ALL, ALL) if b not in ALLOWED_TRANSITIONS[a]]


def test_table_covers_every_state_and_final_states_are_terminal():
    assert set(ALLOWED_TRANSITIONS) == set(ClipStatus.values)
    for state in FINAL_STATES:
        assert ALLOWED_TRANSITIONS[state] == frozenset()
    # The lifecycle the desk relies on.
    assert ClipStatus.SCORING in ALLOWED_TRANSITIONS[ClipStatus.QUEUED]
    assert ClipStatus.QUEUED in ALLOWED_TRANSITIONS[ClipStatus.FAILED]
    assert ClipStatus.ESCALATED in ALLOWED_TRANSITIONS[ClipStatus.IN_REVIEW]
    assert ClipStatus.APPROVED not in ALLOWED_TRANSITIONS[ClipStatus.AWAITING_REVIEW]


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
