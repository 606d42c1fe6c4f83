"""The one decision writer: what it writes, who it tells, and that it needs a decider."""

import pytest
from django.db import IntegrityError

from dashboard import hooks
from dashboard.constants import ClipStatus
from dashboard.decisions import record_decision
from dashboard.models import AuditEvent, Decision
from tests.factories import ClipFactory


@pytest.fixture
def told(db):
    """Record what the decision_recorded / decision_committed hooks are told."""
    seen: list[tuple[str, int, list[str]]] = []
    hooks.decision_recorded.register(
        "test.recorded", lambda d, labels: seen.append(("recorded", d.pk, [x.slug for x in labels]))
    )
    hooks.decision_committed.register(
        "test.committed",
        lambda d, labels: lambda: seen.append(("committed", d.pk, [x.slug for x in labels])),
    )
    yield seen
    hooks.decision_recorded.unregister("test.recorded")
    hooks.decision_committed.unregister("test.committed")


def test_a_system_decision_is_recorded_audited_and_announced(
    told, django_capture_on_commit_callbacks
):
    clip = ClipFactory(status=ClipStatus.IN_REVIEW)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decision = record_decision(
            clip, actor=None, actor_label="policy:test", action="approve", reason="looks fine"
        )
        assert told == [("recorded", decision.pk, [])]  # inside the transaction
    for callback in callbacks:
        callback()
    assert told[-1] == ("committed", decision.pk, [])
    clip.refresh_from_db()
    assert clip.status == ClipStatus.APPROVED
    assert Decision.objects.get().actor_label == "policy:test"
    event = AuditEvent.objects.get(clip=clip, action="decision.approve")
    assert (event.actor, event.actor_label) == (None, "policy:test")
    assert event.data["evidence"] == decision.evidence


def test_a_decision_needs_a_moderator_or_a_system_label(db):
    clip = ClipFactory(status=ClipStatus.IN_REVIEW)
    with pytest.raises(ValueError, match="actor label"):
        record_decision(clip, actor=None, action="approve")
    assert not Decision.objects.exists()
    clip.refresh_from_db()
    assert clip.status == ClipStatus.IN_REVIEW


def test_the_database_refuses_a_decision_without_a_decider(db):
    clip = ClipFactory(status=ClipStatus.APPROVED)
    with pytest.raises(IntegrityError):
        Decision.objects.create(clip=clip, action="approve")
