"""Claims and decisions through the service layer, as the desk and the API use them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.claims import (
    ClaimError,
    claim_clip,
    claim_next_clip,
    release_claim,
    release_expired_claims,
)
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionError, DecisionRequest, apply_decision
from dashboard.models import AuditEvent, Decision
from provenance.models import ClipCredentials, CredentialState
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db


def test_claim_moves_clip_into_review_and_blocks_others(moderator, moderator2):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    result = claim_clip(clip.pk, moderator)
    assert result.action == "claimed"
    assert result.clip.status == ClipStatus.IN_REVIEW
    assert result.clip.claimed_by == moderator
    with pytest.raises(ClaimError) as refused:
        claim_clip(clip.pk, moderator2)
    assert refused.value.code == "held_by_other"
    assert "moderator" in refused.value.message
    assert claim_clip(clip.pk, moderator).action == "renewed"


def test_expired_claim_returns_clip_to_queue(moderator, moderator2):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    clip.refresh_from_db()
    clip.claim_expires_at = timezone.now() - timedelta(seconds=1)
    clip.save()
    assert release_expired_claims() == 1
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW and clip.claimed_by is None
    event = AuditEvent.objects.filter(clip=clip, action="claim.expired").get()
    assert event.actor is None and event.actor_label
    assert claim_clip(clip.pk, moderator2).clip.claimed_by == moderator2


def test_release_is_audited_and_only_by_holder(moderator, moderator2):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    with pytest.raises(ClaimError):
        release_claim(clip.pk, moderator2)
    release_claim(clip.pk, moderator)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW
    assert AuditEvent.objects.filter(clip=clip, action="claim.released", actor=moderator).exists()


def test_next_clip_takes_highest_priority_unclaimed(moderator, moderator2):
    low = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=10)
    high = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=90)
    ClipFactory(status=ClipStatus.QUEUED, priority=100)
    assert claim_next_clip(moderator).pk == high.pk
    assert claim_next_clip(moderator2).pk == low.pk
    assert claim_next_clip(moderator2) is None


def _held(user, status=ClipStatus.AWAITING_REVIEW):
    clip = ClipFactory(status=status)
    claim_clip(clip.pk, user)
    clip.refresh_from_db()
    return clip


@pytest.mark.parametrize(
    ("action", "labels", "reason", "status"),
    [
        ("approve", [], "", ClipStatus.APPROVED),
        ("label", ["animated-still", "romantic-sexual-fabrication"], "", ClipStatus.LABELED),
        ("remove", ["face-swap"], "Non-consensual fabrication", ClipStatus.REMOVED),
        ("escalate", [], "Famous person, unsure", ClipStatus.ESCALATED),
    ],
)
def test_each_decision_applies_records_and_audits(moderator, action, labels, reason, status):
    clip = _held(moderator)
    decision = apply_decision(
        clip.pk, moderator, DecisionRequest(action, labels, "note", reason, clip.version)
    )
    clip.refresh_from_db()
    assert clip.status == status
    assert clip.claimed_by is None
    assert sorted(decision.labels.values_list("slug", flat=True)) == sorted(labels)
    assert decision.evidence["reports"] == 0
    assert AuditEvent.objects.filter(clip=clip, action=f"decision.{action}").count() == 1


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (DecisionRequest("label"), "labels_required"),
        (DecisionRequest("remove"), "reason_required"),
        (DecisionRequest("escalate", reason="  "), "reason_required"),
        (DecisionRequest("approve", labels=["nope"]), "unknown_label"),
        (DecisionRequest("delete"), "invalid_action"),
        (DecisionRequest("approve", expected_version=99), "stale_version"),
    ],
)
def test_invalid_decisions_change_nothing(moderator, request_, code):
    clip = _held(moderator)
    with pytest.raises(DecisionError) as refused:
        apply_decision(clip.pk, moderator, request_)
    assert refused.value.code == code
    clip.refresh_from_db()
    assert clip.status == ClipStatus.IN_REVIEW
    assert not Decision.objects.exists()


def test_cannot_decide_a_clip_someone_else_holds_or_already_decided(moderator, moderator2):
    clip = _held(moderator)
    with pytest.raises(DecisionError) as refused:
        apply_decision(clip.pk, moderator2, DecisionRequest("approve"))
    assert refused.value.code == "not_held" and refused.value.status == 409
    apply_decision(clip.pk, moderator, DecisionRequest("approve"))
    with pytest.raises(DecisionError) as again:
        apply_decision(clip.pk, moderator, DecisionRequest("approve"))
    assert again.value.code == "already_decided"
    assert Decision.objects.count() == 1


def test_next_escalated_clip_is_refused_to_a_moderator_by_the_service(moderator):
    """The rule lives in claim_next_clip, not only in the views calling it: a moderator asking
    for the escalations queue is refused (it used to try 20 claims and answer "nothing")."""
    ClipFactory(status=ClipStatus.ESCALATED)
    with pytest.raises(ClaimError) as refused:
        claim_next_clip(moderator, escalated=True)
    assert (refused.value.code, refused.value.status) == ("senior_only", 403)


def test_escalated_clips_are_for_seniors(moderator, senior):
    clip = _held(moderator)
    apply_decision(clip.pk, moderator, DecisionRequest("escalate", reason="unsure"))
    with pytest.raises(ClaimError) as refused:
        claim_clip(clip.pk, moderator)
    assert refused.value.code == "senior_only"
    assert claim_next_clip(senior, escalated=True).pk == clip.pk
    clip.refresh_from_db()
    assert clip.status == ClipStatus.ESCALATED and clip.claimed_by == senior
    with pytest.raises(DecisionError):
        apply_decision(clip.pk, senior, DecisionRequest("escalate", reason="again"))
    apply_decision(clip.pk, senior, DecisionRequest("remove", ["face-swap"], reason="policy 4.2"))
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED


def test_reporter_cannot_claim(reporter):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    with pytest.raises(ClaimError) as refused:
        claim_clip(clip.pk, reporter)
    assert refused.value.status == 403


def test_decision_evidence_keeps_the_content_credentials_seen(moderator):
    clip = _held(moderator)
    ClipCredentials.objects.create(
        clip=clip,
        state=CredentialState.UNTRUSTED,
        signer="Studio Camera Co",
        claim_generator="GenVideo/2.1",
        source_type="trainedAlgorithmicMedia",
        ai_generated=True,
    )
    decision = apply_decision(
        clip.pk,
        moderator,
        DecisionRequest("label", ["animated-still"], expected_version=clip.version),
    )
    # Later re-reads of the manifest must not change what this decision was based on.
    ClipCredentials.objects.filter(clip=clip).update(state=CredentialState.INVALID)
    decision.refresh_from_db()
    seen = decision.evidence["content_credentials"]
    assert seen["state"] == "untrusted" and seen["ai_generated"] is True
    assert (seen["signer"], seen["claim_generator"]) == ("Studio Camera Co", "GenVideo/2.1")


def test_decision_evidence_says_when_no_credentials_were_read(moderator):
    clip = _held(moderator)
    decision = apply_decision(
        clip.pk, moderator, DecisionRequest("approve", expected_version=clip.version)
    )
    assert decision.evidence["content_credentials"] is None
