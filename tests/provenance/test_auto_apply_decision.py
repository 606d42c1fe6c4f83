"""A bank's auto-apply is a decision like any other: recorded, announced, banked, appealable,
and held for a person when the two-person rule covers the clip (issue 13, item 1)."""

import pytest

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Decision
from integrations.constants import EventType
from integrations.models import WebhookEndpoint, WebhookEvent
from provenance import services, tasks
from teamwork.appeals import appealed_decision, decide_appeal, file_appeal
from teamwork.confirmations import confirm_decision, may_resolve
from teamwork.constants import PendingState
from teamwork.models import PendingDecision
from tests.factories import PersonFactory
from tests.provenance.conftest import decide, stored_clip


@pytest.fixture
def removed_and_banked(db, moderator, fake_original):
    """A fake a moderator removed, banked with auto-apply switched on."""
    decision = decide(stored_clip(fake_original), moderator, action="remove", labels=(),
                      reason="Manipulated footage")  # fmt: skip
    entry = services.do_bank_decision(decision.pk)
    entry.bank.auto_apply = True
    entry.bank.save()
    return entry


@pytest.fixture
def endpoint(db):
    return WebhookEndpoint.objects.create(
        name="all", url="http://127.0.0.1:9/hook", events=["clip.decided", "clip.escalated"]
    )


@pytest.fixture
def banking_sent(monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(
        tasks.bank_decision, "apply_async", lambda args=(), **options: sent.append(args[0])
    )
    return sent


def test_auto_applied_removal_is_a_recorded_decision_with_a_system_actor(
    removed_and_banked, fake_reupload, endpoint, banking_sent, django_capture_on_commit_callbacks
):
    clip = stored_clip(fake_reupload)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_match_clip(clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED
    decision = Decision.objects.get(clip=clip)
    assert decision.action == "remove"
    assert decision.moderator is None
    assert decision.actor_label == services.AUTO_APPLY_ACTOR
    assert decision.decided_by == services.AUTO_APPLY_ACTOR
    assert decision.reason.startswith(f"Matches known fake #{removed_and_banked.pk}")
    assert decision.evidence["auto_applied_from"]["entry"] == removed_and_banked.pk
    assert decision.evidence["bank_matches"][0]["entry"] == removed_and_banked.pk
    # integrators hear of it, and the clip's hashes are banked once the decision commits
    event = WebhookEvent.objects.get(clip=clip)
    assert event.event_type == EventType.CLIP_DECIDED
    assert event.payload["data"]["decision"] == decision.pk
    assert banking_sent == [decision.pk]
    audit = AuditEvent.objects.get(clip=clip, action="decision.remove")
    assert audit.actor is None and audit.actor_label == services.AUTO_APPLY_ACTOR


def test_auto_applied_removal_can_be_appealed_and_reviewed_by_anyone(
    removed_and_banked, fake_reupload, moderator, moderator2, banking_sent
):
    clip = stored_clip(fake_reupload)
    services.do_match_clip(clip.pk)
    clip.refresh_from_db()
    decision = appealed_decision(clip)
    assert decision is not None and decision.moderator is None
    appeal = file_appeal(clip.pk, moderator, "This is the authentic original.")
    assert appeal.decision == decision
    # no moderator took the decision, so nobody is excluded from reviewing the appeal
    decided = decide_appeal(appeal.pk, moderator2, "overturned", "Verified with the source.")
    assert decided.state == "overturned"


def test_auto_apply_on_a_protected_person_waits_for_a_moderator(
    removed_and_banked, fake_reupload, moderator, endpoint, banking_sent,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    clip = stored_clip(fake_reupload)
    clip.persons.add(PersonFactory(name="Protected Example", protected=True))
    with django_capture_on_commit_callbacks(execute=True):
        services.do_match_clip(clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_CONFIRM
    assert not Decision.objects.filter(clip=clip).exists()
    assert not WebhookEvent.objects.filter(clip=clip).exists()
    assert banking_sent == []
    pending = PendingDecision.objects.get(clip=clip)
    assert pending.state == PendingState.PENDING
    assert pending.action == "remove"
    assert pending.proposed_by is None
    assert pending.proposer == services.AUTO_APPLY_ACTOR
    assert pending.from_status == ClipStatus.IN_REVIEW
    assert pending.evidence["auto_applied_from"]["entry"] == removed_and_banked.pk
    held = AuditEvent.objects.get(clip=clip, action="decision.pending")
    assert held.actor is None and held.actor_label == services.AUTO_APPLY_ACTOR

    # the system proposed it, so any moderator may confirm it — including the one who banked it
    assert may_resolve(pending, moderator)
    with django_capture_on_commit_callbacks(execute=True):
        decision = confirm_decision(pending.pk, moderator)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED
    assert decision.moderator == moderator
    assert decision.evidence["two_person"]["proposed_by"] is None
    assert decision.evidence["two_person"]["proposer_label"] == services.AUTO_APPLY_ACTOR
    assert WebhookEvent.objects.get(clip=clip).event_type == EventType.CLIP_DECIDED
    assert banking_sent == [decision.pk]
