"""Resolving a pending decision under the two-person rule: confirm it or overturn it.

A different moderator than the proposer resolves it (a senior when the clip was escalated);
when the system proposed it (a bank's auto-apply), any moderator may. Either way the outcome is
recorded by `dashboard.decisions.record_decision`, citing both proposer and resolver; an
overturn records the disagreement in the audit log. An overturn into another outcome a policy
also covers does not apply on the overturner's word: it becomes a new pending decision, proposed
by the overturner, that someone else confirms.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.decisions import DecisionError, DecisionRequest, record_decision, validate_request
from dashboard.models import Clip, Decision, Label
from dashboard.roles import is_moderator, is_senior
from dashboard.workflow import record_event, transition
from teamwork.constants import PendingState
from teamwork.models import PendingDecision
from teamwork.policy import covering_policies


def pending_queue() -> QuerySet[PendingDecision]:
    """Open proposals, oldest first, with what the confirmation queue shows."""
    return (
        PendingDecision.objects.filter(state=PendingState.PENDING)
        .select_related("clip", "proposed_by")
        .prefetch_related("labels")
        .order_by("proposed_at", "id")
    )


def check_can_resolve(pending: PendingDecision, user: AbstractBaseUser) -> None:
    """Raise DecisionError unless `user` may confirm or overturn `pending` now."""
    if not is_moderator(user):
        raise DecisionError("forbidden", _("Only moderators confirm decisions."), 403)
    if pending.state != PendingState.PENDING:
        raise DecisionError(
            "already_resolved", _("This decision was already confirmed or overturned."), 409
        )
    if pending.proposed_by_id == user.pk:
        raise DecisionError(
            "same_moderator",
            _("A second moderator must confirm this decision; you proposed it."),
            403,
        )
    if pending.from_status == ClipStatus.ESCALATED and not is_senior(user):
        raise DecisionError(
            "senior_only", _("This clip was escalated: a senior moderator confirms it."), 403
        )


def may_resolve(pending: PendingDecision, user: AbstractBaseUser) -> bool:
    try:
        check_can_resolve(pending, user)
    except DecisionError:
        return False
    return True


def _resolve(
    pending_id: int,
    user: AbstractBaseUser,
    *,
    state: str,
    action: str,
    labels: list[Label],
    note: str,
    reason: str,
    account_recommendation: str = "none",
) -> Decision:
    with transaction.atomic():
        pending = PendingDecision.objects.select_for_update().get(pk=pending_id)
        check_can_resolve(pending, user)
        clip = Clip.objects.select_for_update().get(pk=pending.clip_id)
        if clip.status != ClipStatus.AWAITING_CONFIRM:  # pragma: no cover - kept in step
            raise DecisionError(
                "invalid_transition", _("The clip is not awaiting confirmation."), 409
            )
        now = timezone.now()
        two_person: dict[str, Any] = {
            "pending": pending.pk,
            "proposed_by": pending.proposed_by_id,
            "proposer_label": pending.proposer_label,
            "proposed_action": pending.action,
            "proposed_at": pending.proposed_at.isoformat(),
            "resolved_by": user.pk,
            "resolved_at": now.isoformat(),
            "outcome": state,
            "policies": pending.covered_by,
        }
        disagreement = state == PendingState.OVERTURNED
        decision = record_decision(
            clip,
            actor=user,
            action=action,
            labels=labels,
            note=note,
            reason=reason,
            evidence={**pending.evidence, "two_person": two_person},
            audit_action=f"decision.{state}",
            audit_data={"two_person": two_person, "disagreement": disagreement},
            account_recommendation=account_recommendation,
        )
        pending.state = state
        pending.resolved_by = user
        pending.resolved_at = now
        pending.resolution_reason = reason if disagreement else ""
        pending.decision = decision
        pending.save(
            update_fields=["state", "resolved_by", "resolved_at", "resolution_reason", "decision"]
        )
    return decision


def confirm_decision(pending_id: int, user: AbstractBaseUser, note: str = "") -> Decision:
    """A second moderator agrees: the proposed outcome applies, citing both people."""
    pending = PendingDecision.objects.get(pk=pending_id)
    return _resolve(
        pending_id,
        user,
        state=PendingState.CONFIRMED,
        action=pending.action,
        labels=list(pending.labels.all()),
        note=note or pending.note,
        reason=pending.reason,
        account_recommendation=pending.account_recommendation,
    )


def overturn_decision(
    pending_id: int, user: AbstractBaseUser, request: DecisionRequest
) -> Decision | PendingDecision:
    """A second moderator disagrees: their own outcome (`request`) applies instead, audited as
    a disagreement. It must differ from the proposal (agreeing is `confirm_decision`).

    When a policy covers their outcome too, it is held instead (`_hold_covered_overturn`) and
    the new PendingDecision is returned: a further moderator, not the overturner, confirms it."""
    labels = validate_request(request)
    if not request.reason.strip():
        raise DecisionError("reason_required", _("Say why you overturn this decision."))
    pending = PendingDecision.objects.get(pk=pending_id)
    if request.action == pending.action:
        raise DecisionError(
            "same_outcome", _("That is the proposed outcome: confirm it instead."), 409
        )
    if request.action == DecisionAction.ESCALATE and pending.from_status == ClipStatus.ESCALATED:
        raise DecisionError("already_escalated", _("This clip was escalated already."), 409)
    with transaction.atomic():
        held = _hold_covered_overturn(pending_id, user, request, labels)
        if held is not None:
            return held
        return _resolve(
            pending_id,
            user,
            state=PendingState.OVERTURNED,
            action=request.action,
            labels=labels,
            note=request.note,
            reason=request.reason,
            account_recommendation=request.account_recommendation,
        )


def _hold_covered_overturn(
    pending_id: int, user: AbstractBaseUser, request: DecisionRequest, labels: list[Label]
) -> PendingDecision | None:
    """When a policy also covers the overturner's outcome, close the pending decision as
    overturned and propose that outcome in its place as a new one (proposed by the overturner,
    so `check_can_resolve` keeps them from confirming it); the clip stays awaiting
    confirmation. None when no policy covers it: the overturn then applies at once.

    Runs inside overturn_decision's transaction; the clip and pending rows are locked here.
    """
    pending = PendingDecision.objects.select_for_update().get(pk=pending_id)
    check_can_resolve(pending, user)
    clip = Clip.objects.select_for_update().get(pk=pending.clip_id)
    covered_by = covering_policies(clip, request.action)
    if not covered_by:
        return None
    now = timezone.now()
    pending.state = PendingState.OVERTURNED
    pending.resolved_by = user
    pending.resolved_at = now
    pending.resolution_reason = request.reason[:500]
    pending.save(update_fields=["state", "resolved_by", "resolved_at", "resolution_reason"])
    overturned = {
        "pending": pending.pk,
        "proposed_by": pending.proposed_by_id,
        "proposed_action": pending.action,
        "proposed_at": pending.proposed_at.isoformat(),
        "overturned_by": user.pk,
        "overturned_at": now.isoformat(),
        "reason": request.reason,
    }
    successor = PendingDecision.objects.create(
        clip=clip,
        action=request.action,
        note=request.note,
        reason=request.reason,
        # The evidence the first proposer saw, and every proposal overturned on the way.
        evidence={
            **pending.evidence,
            "overturned_proposals": [
                *pending.evidence.get("overturned_proposals", []),
                overturned,
            ],
        },
        covered_by=covered_by,
        from_status=pending.from_status,
        proposed_by=user,
        account_recommendation=request.account_recommendation,
    )
    if labels:
        successor.labels.set(labels)
    record_event(
        clip,
        "decision.overturn_held",
        actor=user,
        data={
            "pending": successor.pk,
            "overturns": pending.pk,
            "overturned_action": pending.action,
            "proposed_action": request.action,
            "labels": [label.slug for label in labels],
            "reason": request.reason,
            "policies": covered_by,
            "disagreement": True,
        },
    )
    return successor


def withdraw_decision(pending_id: int, user: AbstractBaseUser, reason: str) -> PendingDecision:
    """The proposer (or a senior) takes a proposal back: nothing applies, the clip returns to
    the queue for a fresh review; audited with the reason."""
    reason = reason.strip()
    if not reason:
        raise DecisionError("reason_required", _("Say why you withdraw this decision."))
    with transaction.atomic():
        pending = PendingDecision.objects.select_for_update().get(pk=pending_id)
        if pending.state != PendingState.PENDING:
            raise DecisionError(
                "already_resolved", _("This decision was already confirmed or overturned."), 409
            )
        if pending.proposed_by_id != user.pk and not is_senior(user):
            raise DecisionError(
                "forbidden", _("Only its proposer or a senior moderator withdraws it."), 403
            )
        # An escalated clip goes back to the escalations queue, any other to the main queue.
        back = (
            ClipStatus.ESCALATED
            if pending.from_status == ClipStatus.ESCALATED
            else ClipStatus.AWAITING_REVIEW
        )
        transition(
            pending.clip_id,
            back,
            actor=user,
            action="decision.withdrawn",
            data={"pending": pending.pk, "proposed_action": pending.action, "reason": reason},
        )
        pending.state = PendingState.WITHDRAWN
        pending.resolved_by = user
        pending.resolved_at = timezone.now()
        pending.resolution_reason = reason[:500]
        pending.save(update_fields=["state", "resolved_by", "resolved_at", "resolution_reason"])
    return pending
