"""The two-person rule: covered decisions wait; another moderator confirms or overturns them."""

import pytest

from dashboard.claims import ClaimError, claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionError, DecisionRequest, apply_decision
from dashboard.models import AuditEvent, Decision, Label, Report
from provenance import tasks as provenance_tasks
from teamwork.confirmations import (
    confirm_decision,
    overturn_decision,
    pending_queue,
    withdraw_decision,
)
from teamwork.constants import PendingState
from teamwork.models import PendingDecision, TwoPersonPolicy
from teamwork.policy import covering_policies
from tests.factories import ClipFactory, PersonFactory, escalated_clip

pytestmark = pytest.mark.django_db

REMOVE = DecisionRequest(action="remove", reason="Impersonation policy")


def _protected_clip(status=ClipStatus.AWAITING_REVIEW):
    # Escalating is not covered by the protected-person policy: the clip escalates directly.
    clip = escalated_clip() if status == ClipStatus.ESCALATED else ClipFactory(status=status)
    clip.persons.add(PersonFactory(protected=True))
    return clip


def _propose(clip, user, request=REMOVE) -> PendingDecision:
    claim_clip(clip.pk, user)
    result = apply_decision(clip.pk, user, request)
    assert isinstance(result, PendingDecision)
    return result


def test_default_policy_covers_remove_and_approve_of_protected_person_only():
    clip = _protected_clip()
    plain = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    assert covering_policies(clip, "remove") == ["Protected person: remove or approve"]
    assert covering_policies(clip, "approve")
    assert covering_policies(clip, "label") == []
    assert covering_policies(clip, "escalate") == []
    assert covering_policies(plain, "remove") == []


def test_report_count_policy(reporter):
    TwoPersonPolicy.objects.create(
        name="Widely reported", actions=["label"], protected_person=False, min_reports=2
    )
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    clip.reports.create(reporter=reporter)
    assert covering_policies(clip, "label") == []
    clip.reports.create(reporter=reporter)
    assert covering_policies(clip, "label") == ["Widely reported"]


def test_default_report_count_policy_covers_a_clip_with_20_reports(reporter):
    """The seeded row: removing or approving a clip reported 20 times needs a second look."""
    policy = TwoPersonPolicy.objects.get(name="Many reports: remove or approve")
    assert policy.active and policy.min_reports == 20 and policy.min_reach is None
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    Report.objects.bulk_create(Report(clip=clip, reporter=reporter) for _ in range(19))
    assert covering_policies(clip, "remove") == []
    clip.reports.create(reporter=reporter)
    assert covering_policies(clip, "remove") == ["Many reports: remove or approve"]
    assert covering_policies(clip, "approve") == ["Many reports: remove or approve"]
    assert covering_policies(clip, "label") == []


def test_covered_decision_is_held_not_applied(moderator):
    clip = _protected_clip()
    pending = _propose(clip, moderator)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_CONFIRM
    assert clip.claimed_by is None and clip.decided_at is None
    assert not Decision.objects.filter(clip=clip).exists()
    assert (pending.action, pending.proposed_by, pending.state) == (
        "remove",
        moderator,
        PendingState.PENDING,
    )
    event = AuditEvent.objects.get(clip=clip, action="decision.pending")
    assert event.actor == moderator and event.to_status == ClipStatus.AWAITING_CONFIRM
    assert event.data["proposed_action"] == "remove"
    assert list(pending_queue()) == [pending]


def test_uncovered_decision_applies_at_once(moderator):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    decision = apply_decision(clip.pk, moderator, REMOVE)
    assert isinstance(decision, Decision)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED


def test_same_moderator_cannot_confirm_their_own_decision(moderator):
    clip = _protected_clip()
    pending = _propose(clip, moderator)
    with pytest.raises(DecisionError) as refused:
        confirm_decision(pending.pk, moderator)
    assert refused.value.code == "same_moderator" and refused.value.status == 403
    with pytest.raises(DecisionError) as refused:
        overturn_decision(pending.pk, moderator, DecisionRequest(action="approve", reason="x"))
    assert refused.value.code == "same_moderator"
    clip.refresh_from_db()
    pending.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_CONFIRM
    assert pending.state == PendingState.PENDING
    assert not Decision.objects.filter(clip=clip).exists()


def test_confirmation_applies_the_outcome_citing_both(moderator, moderator2):
    clip = _protected_clip()
    label = Label.objects.filter(active=True).first()
    pending = _propose(
        clip,
        moderator,
        DecisionRequest(action="remove", reason="Impersonation", labels=[label.slug]),
    )
    decision = confirm_decision(pending.pk, moderator2)
    clip.refresh_from_db()
    pending.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED and clip.decided_at is not None
    assert (decision.action, decision.moderator, decision.reason) == (
        "remove",
        moderator2,
        "Impersonation",
    )
    assert list(decision.labels.all()) == [label]
    assert decision.evidence["two_person"]["proposed_by"] == moderator.pk
    assert decision.evidence["two_person"]["resolved_by"] == moderator2.pk
    assert (pending.state, pending.resolved_by, pending.decision) == (
        PendingState.CONFIRMED,
        moderator2,
        decision,
    )
    event = AuditEvent.objects.get(clip=clip, action="decision.confirmed")
    assert event.actor == moderator2 and event.data["disagreement"] is False
    assert event.data["two_person"]["proposed_by"] == moderator.pk
    # Resolved once only.
    with pytest.raises(DecisionError) as refused:
        confirm_decision(pending.pk, moderator2)
    assert refused.value.code == "already_resolved"


def test_overturned_confirmation_applies_the_second_outcome(moderator, moderator2):
    # Labelling is not covered by the protected-person policy, so the overturn applies at once
    # (an overturn into a covered outcome waits: test_person_bypass.py).
    clip = _protected_clip()
    pending = _propose(clip, moderator)
    decision = overturn_decision(
        pending.pk,
        moderator2,
        DecisionRequest(action="label", labels=["face-swap"], reason="It is satire, allowed"),
    )
    clip.refresh_from_db()
    pending.refresh_from_db()
    assert clip.status == ClipStatus.LABELED
    assert (decision.action, decision.moderator) == ("label", moderator2)
    assert Decision.objects.filter(clip=clip).count() == 1
    assert pending.state == PendingState.OVERTURNED
    assert pending.resolution_reason == "It is satire, allowed"
    event = AuditEvent.objects.get(clip=clip, action="decision.overturned")
    assert event.data["disagreement"] is True
    assert event.data["two_person"]["proposed_action"] == "remove"
    assert (event.from_status, event.to_status) == (ClipStatus.AWAITING_CONFIRM, "labeled")


def test_overturn_needs_a_reason_and_another_outcome(moderator, moderator2):
    pending = _propose(_protected_clip(), moderator)
    with pytest.raises(DecisionError) as refused:
        overturn_decision(pending.pk, moderator2, DecisionRequest(action="approve"))
    assert refused.value.code == "reason_required"
    with pytest.raises(DecisionError) as refused:
        overturn_decision(pending.pk, moderator2, DecisionRequest(action="remove", reason="x"))
    assert refused.value.code == "same_outcome"


def test_escalated_clip_is_confirmed_by_a_senior(moderator, senior, admin_user):
    clip = _protected_clip(status=ClipStatus.ESCALATED)
    pending = _propose(clip, senior)
    assert pending.from_status == ClipStatus.ESCALATED
    with pytest.raises(DecisionError) as refused:
        confirm_decision(pending.pk, moderator)
    assert refused.value.code == "senior_only"
    confirm_decision(pending.pk, admin_user)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED


def test_held_clip_cannot_be_claimed_or_decided_directly(moderator, moderator2):
    clip = _protected_clip()
    _propose(clip, moderator)
    with pytest.raises(ClaimError):
        claim_clip(clip.pk, moderator2)


def test_proposer_withdraws_and_the_clip_returns_to_the_queue(moderator, moderator2):
    clip = _protected_clip()
    pending = _propose(clip, moderator)
    with pytest.raises(DecisionError) as refused:
        withdraw_decision(pending.pk, moderator2, "not mine to withdraw")
    assert refused.value.code == "forbidden"
    with pytest.raises(DecisionError) as refused:
        withdraw_decision(pending.pk, moderator, " ")
    assert refused.value.code == "reason_required"
    withdraw_decision(pending.pk, moderator, "Wrong person tagged")
    clip.refresh_from_db()
    pending.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW
    assert pending.state == PendingState.WITHDRAWN and pending.resolved_by == moderator
    assert not Decision.objects.filter(clip=clip).exists()
    event = AuditEvent.objects.get(clip=clip, action="decision.withdrawn")
    assert event.data["reason"] == "Wrong person tagged"
    with pytest.raises(DecisionError) as refused:
        confirm_decision(pending.pk, moderator2)
    assert refused.value.code == "already_resolved"
    # A fresh review can propose again.
    assert isinstance(_propose(clip, moderator2), PendingDecision)


def test_a_confirmed_removal_is_banked_after_commit(
    moderator, moderator2, monkeypatch, django_capture_on_commit_callbacks
):
    banked = []
    monkeypatch.setattr(
        provenance_tasks.bank_decision, "apply_async", lambda args: banked.append(args[0])
    )
    pending = _propose(_protected_clip(), moderator)
    with django_capture_on_commit_callbacks(execute=True):
        decision = confirm_decision(pending.pk, moderator2)
    assert banked == [decision.pk]
