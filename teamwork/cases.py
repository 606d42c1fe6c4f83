"""Deciding a case: one decision applied to every open copy of one fabrication.

A senior moderator decides a case (`decide_case`). Each copy still open gets its own decision
through `dashboard.decisions.record_decision` — its own Decision row, webhook (the
`decision_recorded` hook) and audit events — citing the case in its evidence. Copies that are
not open are never touched; the result lists them for a person to look at:

- `decided_same`: already decided with the same action;
- `decided_differently`: already decided otherwise — never overwritten;
- `held`: waiting for a second moderator on their own (two-person rule) or with a moderator
  who holds the claim;
- `not_ready`: still being scored, or failed;
- `escalated`: escalated copies, when the decider is not a senior.

The two-person rule is asked once for the case: when an active policy covers any open copy
(`teamwork.policy.covering_policies`), the decision is held as one `PendingCaseDecision`; a
different moderator confirms it (`confirm_case_decision`), and it applies then to the copies
open at that moment, citing both people. Copies are locked in primary-key order, as one case
decision at a time holds them.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from dashboard.constants import FINAL_STATES, SCORING_STATES, ClipStatus
from dashboard.decisions import (
    DecisionError,
    DecisionRequest,
    evidence_for,
    record_decision,
    validate_request,
)
from dashboard.models import Clip, Decision, Label
from dashboard.roles import is_moderator, is_senior
from dashboard.workflow import record_event, transition
from provenance.models import Case
from teamwork.constants import PendingState
from teamwork.models import PendingCaseDecision
from teamwork.policy import covering_policies


@dataclass
class CaseDecisionResult:
    """What a case decision did to each copy (clips by group; decisions for the applied)."""

    case: Case
    decisions: list[Decision] = field(default_factory=list)
    pending: PendingCaseDecision | None = None
    decided_same: list[Clip] = field(default_factory=list)
    decided_differently: list[tuple[Clip, str]] = field(default_factory=list)
    held: list[Clip] = field(default_factory=list)
    not_ready: list[Clip] = field(default_factory=list)
    escalated: list[Clip] = field(default_factory=list)
    open: list[Clip] = field(default_factory=list)

    def outcome(self) -> dict[str, Any]:
        return {
            "applied": [str(d.clip.public_id) for d in self.decisions],
            "decided_same": [str(c.public_id) for c in self.decided_same],
            "decided_differently": [
                {"clip": str(c.public_id), "action": action}
                for c, action in self.decided_differently
            ],
            "held": [str(c.public_id) for c in self.held],
            "not_ready": [str(c.public_id) for c in self.not_ready],
            "escalated": [str(c.public_id) for c in self.escalated],
        }


def _locked_copies(case: Case) -> list[Clip]:
    return list(
        Clip.objects.select_for_update()
        .filter(case_membership__case=case, case_membership__removed_at__isnull=True)
        .order_by("pk")
    )


def _last_actions(clips: list[Clip]) -> dict[int, str]:
    actions: dict[int, str] = {}
    rows = (
        Decision.objects.filter(clip__in=clips)
        .order_by("clip_id", "created_at", "pk")
        .values_list("clip_id", "action")
    )
    for clip_id, action in rows:
        actions[clip_id] = action  # the latest wins
    return actions


def sort_copies(case: Case, user: AbstractBaseUser, action: str) -> CaseDecisionResult:
    """Lock the case's copies and sort them by what a decision `action` may do to each."""
    result = CaseDecisionResult(case=case)
    copies = _locked_copies(case)
    decided = [c for c in copies if c.status in FINAL_STATES]
    actions = _last_actions(decided)
    now = timezone.now()
    for clip in copies:
        if clip.status in FINAL_STATES:
            if actions.get(clip.pk) == action:
                result.decided_same.append(clip)
            else:
                result.decided_differently.append((clip, actions.get(clip.pk, "")))
        elif clip.status == ClipStatus.AWAITING_CONFIRM:
            result.held.append(clip)
        elif clip.status in SCORING_STATES or clip.status == ClipStatus.FAILED:
            result.not_ready.append(clip)
        elif clip.status == ClipStatus.ESCALATED and not is_senior(user):
            result.escalated.append(clip)
        elif (
            clip.status == ClipStatus.IN_REVIEW
            and clip.claimed_by_id not in (None, user.pk)
            and (clip.claim_expires_at is None or clip.claim_expires_at >= now)
        ):
            result.held.append(clip)
        else:
            result.open.append(clip)
    return result


def _apply(
    result: CaseDecisionResult,
    user: AbstractBaseUser,
    *,
    action: str,
    labels: list[Label],
    note: str,
    reason: str,
    account_recommendation: str,
    two_person: dict[str, Any] | None = None,
) -> None:
    case_ref = {"case": str(result.case.public_id), "copies": len(result.open)}
    for clip in result.open:
        if clip.status == ClipStatus.AWAITING_REVIEW:
            # The state machine decides clips under review: the case decision takes it first.
            transition(
                clip.pk,
                ClipStatus.IN_REVIEW,
                actor=user,
                action="case.claim",
                data={"case": case_ref["case"]},
            )
            clip.refresh_from_db()
        evidence = {**evidence_for(clip), "case": case_ref}
        audit: dict[str, Any] = {"case": case_ref}
        if two_person is not None:
            evidence["two_person"] = two_person
            audit["two_person"] = two_person
        result.decisions.append(
            record_decision(
                clip,
                actor=user,
                action=action,
                labels=labels,
                note=note,
                reason=reason,
                evidence=evidence,
                audit_action=f"decision.{action}",
                audit_data=audit,
                account_recommendation=account_recommendation,
            )
        )


def decide_case(
    case_id: int, user: AbstractBaseUser, request: DecisionRequest
) -> CaseDecisionResult:
    """A senior's decision on a case: applied to every open copy now, or held once for the
    case when the two-person rule covers any of them (module doc)."""
    if not is_senior(user):
        raise DecisionError("forbidden", "Only senior moderators decide a whole case.", 403)
    labels = validate_request(request)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if PendingCaseDecision.objects.filter(case=case, state=PendingState.PENDING).exists():
            raise DecisionError(
                "case_pending", "A decision on this case waits for a second moderator.", 409
            )
        result = sort_copies(case, user, request.action)
        if not result.open:
            raise DecisionError("no_open_copies", "No copy of this case is open to decide.", 409)
        covered: list[str] = []
        for clip in result.open:
            for name in covering_policies(clip, request.action):
                if name not in covered:
                    covered.append(name)
        if covered:
            pending = PendingCaseDecision.objects.create(
                case=case,
                action=request.action,
                note=request.note,
                reason=request.reason,
                account_recommendation=request.account_recommendation,
                covered_by=covered,
                proposed_by=user,
                outcome={"open_when_proposed": [str(c.public_id) for c in result.open]},
            )
            if labels:
                pending.labels.set(labels)
            for clip in result.open:
                record_event(
                    clip,
                    "case.decision_pending",
                    actor=user,
                    data={
                        "case": str(case.public_id),
                        "pending_case_decision": pending.pk,
                        "proposed_action": request.action,
                        "policies": covered,
                    },
                )
            result.pending = pending
            return result
        _apply(
            result,
            user,
            action=request.action,
            labels=labels,
            note=request.note,
            reason=request.reason,
            account_recommendation=request.account_recommendation,
        )
    return result


def confirm_case_decision(pending_id: int, user: AbstractBaseUser) -> CaseDecisionResult:
    """A second moderator confirms a held case decision: it applies to the copies open now."""
    if not is_moderator(user):
        raise DecisionError("forbidden", "Only moderators confirm decisions.", 403)
    with transaction.atomic():
        pending = PendingCaseDecision.objects.select_for_update().get(pk=pending_id)
        if pending.state != PendingState.PENDING:
            raise DecisionError(
                "already_resolved", "This decision was already confirmed or withdrawn.", 409
            )
        if pending.proposed_by_id == user.pk:
            raise DecisionError(
                "same_moderator",
                "A second moderator must confirm this decision; you proposed it.",
                403,
            )
        case = Case.objects.select_for_update().get(pk=pending.case_id)
        result = sort_copies(case, user, pending.action)
        now = timezone.now()
        two_person = {
            "pending_case_decision": pending.pk,
            "proposed_by": pending.proposed_by_id,
            "proposed_at": pending.proposed_at.isoformat(),
            "resolved_by": user.pk,
            "resolved_at": now.isoformat(),
            "outcome": PendingState.CONFIRMED,
            "policies": pending.covered_by,
        }
        _apply(
            result,
            user,
            action=pending.action,
            labels=list(pending.labels.all()),
            note=pending.note,
            reason=pending.reason,
            account_recommendation=pending.account_recommendation,
            two_person=two_person,
        )
        pending.state = PendingState.CONFIRMED
        pending.resolved_by = user
        pending.resolved_at = now
        pending.outcome = {**pending.outcome, **result.outcome()}
        pending.save(update_fields=["state", "resolved_by", "resolved_at", "outcome"])
        result.pending = pending
    return result


def withdraw_case_decision(pending_id: int, user: AbstractBaseUser) -> PendingCaseDecision:
    """The proposer (or another senior) takes a held case decision back; nothing applies."""
    with transaction.atomic():
        pending = PendingCaseDecision.objects.select_for_update().get(pk=pending_id)
        if pending.state != PendingState.PENDING:
            raise DecisionError(
                "already_resolved", "This decision was already confirmed or withdrawn.", 409
            )
        if pending.proposed_by_id != user.pk and not is_senior(user):
            raise DecisionError("forbidden", "Only its proposer or a senior withdraws it.", 403)
        pending.state = PendingState.WITHDRAWN
        pending.resolved_by = user
        pending.resolved_at = timezone.now()
        pending.save(update_fields=["state", "resolved_by", "resolved_at"])
    return pending


def pending_case_decision(case: Case) -> PendingCaseDecision | None:
    return (
        PendingCaseDecision.objects.filter(case=case, state=PendingState.PENDING)
        .select_related("proposed_by")
        .prefetch_related("labels")
        .first()
    )
