"""Appeals against a decision: filed (by a platform through the API, or by hand), reviewed by
someone other than whoever decided, and closed as upheld or overturned with a reason.

**Overturned**, the appeal produces the new outcome through the decision service
(`dashboard.decisions.record_decision` with `supersedes`): by default the clip is restored — a
removal or a label becomes an approval — or the reviewer chooses another outcome (a label, other
labels, a removal with its policy reason; an overturned approval needs one). The new Decision
names the one it replaces, so the `clip.decided` webhook tells the platform what to undo
(`previous_decision`), provenance unbanks a known-fake entry made from the overturned decision,
and the audit links both decisions. The reviewer of an appeal is already someone other than the
original decider, so the two-person rule is not asked again. **Upheld**, nothing changes: the
appeal is recorded, audited and announced (`clip.appeal_decided`) like an overturned one.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.constants import FINAL_STATES, ClipEvent, DecisionAction
from dashboard.decisions import (
    DecisionError,
    DecisionRequest,
    evidence_for,
    record_decision,
    validate_request,
)
from dashboard.errors import ServiceError
from dashboard.events import announce
from dashboard.models import Clip, Decision, Label
from dashboard.roles import is_moderator, is_reporter
from dashboard.workflow import record_event
from teamwork.constants import APPEAL_OUTCOMES, AppealSource, AppealState
from teamwork.models import Appeal

MAX_STATEMENT = 10000


class AppealError(ServiceError):
    """An appeal, or its review, was refused; `code` is stable for the API."""


def appealed_decision(clip: Clip) -> Decision | None:
    """The decision an appeal is against: the latest one that put the clip in a final state."""
    if clip.status not in FINAL_STATES:
        return None
    return clip.decisions.exclude(action="escalate").order_by("-created_at", "-id").first()


def original_deciders(decision: Decision) -> set[int]:
    """Who took the appealed decision: its moderator and, under the two-person rule, the
    proposer it cites."""
    # A system decision (a bank's auto-apply) has no moderator: nobody is excluded for it.
    people = {decision.moderator_id} - {None}
    proposer = (decision.evidence or {}).get("two_person", {}).get("proposed_by")
    if proposer:
        people.add(proposer)
    return people


def check_can_file(clip: Clip, user: AbstractBaseUser, statement: str) -> Decision:
    if not (is_reporter(user) or is_moderator(user)):
        raise AppealError("forbidden", _("Your role cannot file appeals."), 403)
    if not statement.strip():
        raise AppealError("statement_required", _("Give the appellant's statement."))
    if len(statement) > MAX_STATEMENT:
        raise AppealError(
            "statement_too_long",
            _("At most %(MAX_STATEMENT)s characters.") % {"MAX_STATEMENT": MAX_STATEMENT},
        )
    decision = appealed_decision(clip)
    if decision is None:
        raise AppealError(
            "not_decided",
            _("Clip %(short_id)s has no final decision.") % {"short_id": clip.short_id},
            409,
        )
    return decision


def file_appeal(
    clip_id: int,
    user: AbstractBaseUser,
    statement: str,
    *,
    appellant: str = "",
    source: str = AppealSource.API,
) -> Appeal:
    """Record an appeal against the clip's final decision; audited."""
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        decision = check_can_file(clip, user, statement)
        appeal = Appeal.objects.create(
            clip=clip,
            decision=decision,
            statement=statement.strip(),
            appellant=appellant.strip()[:200],
            source=source,
            submitted_by=user,
        )
        record_event(
            clip,
            "appeal.filed",
            actor=user,
            data={"appeal": appeal.pk, "decision": decision.pk, "source": source},
        )
    return appeal


def check_can_review(appeal: Appeal, user: AbstractBaseUser) -> None:
    if not is_moderator(user):
        raise AppealError("forbidden", _("Only moderators review appeals."), 403)
    if appeal.state != AppealState.OPEN:
        raise AppealError("already_reviewed", _("This appeal was already decided."), 409)
    if user.pk in original_deciders(appeal.decision):
        raise AppealError(
            "original_decider",
            _("Someone other than the original decider must review this appeal."),
            403,
        )


def may_review(appeal: Appeal, user: AbstractBaseUser) -> bool:
    try:
        check_can_review(appeal, user)
    except AppealError:
        return False
    return True


@dataclass(frozen=True)
class NewOutcome:
    """What an overturned appeal puts in place of the appealed decision: `action` "" restores
    the clip (approve) when the appealed decision took it down or labelled it."""

    action: str = ""
    labels: Sequence[str] = ()  # label slugs
    policy_reason: str = ""  # a removal's policy reason


def check_new_outcome(decision: Decision, outcome: NewOutcome, reason: str) -> DecisionRequest:
    """The overturning decision as a request the decision service validates, or AppealError.

    Overturning must change the outcome: the same action with the same labels is refused.
    """
    action = outcome.action or DecisionAction.APPROVE
    if action == DecisionAction.ESCALATE:
        raise AppealError(
            "invalid_new_outcome",
            "An overturned appeal decides the clip: approve, label or remove.",
        )
    if action == decision.action == DecisionAction.APPROVE and not outcome.action:
        raise AppealError(
            "new_outcome_required",
            "The appealed decision approved the clip: choose the outcome that replaces it "
            "(label or remove).",
        )
    request = DecisionRequest(
        action=action,
        labels=tuple(outcome.labels),
        reason=outcome.policy_reason.strip() if action == DecisionAction.REMOVE else reason,
    )
    try:
        labels = validate_request(request)
    except DecisionError as exc:
        raise AppealError(exc.code, exc.message, exc.status) from exc
    old = set(decision.labels.values_list("slug", flat=True))
    if action == decision.action and {label.slug for label in labels} == old:
        raise AppealError(
            "same_outcome",
            "That is the appealed decision again: uphold the appeal instead, or choose another "
            "outcome.",
        )
    return request


def decide_appeal(
    appeal_id: int,
    user: AbstractBaseUser,
    outcome: str,
    reason: str,
    new_outcome: NewOutcome | None = None,
) -> Appeal:
    """Close an appeal as upheld or overturned, with a reason; audited and announced.

    Overturned, the new outcome (`new_outcome`, by default the clip restored) is recorded as a
    Decision superseding the appealed one, in the same transaction (see the module docstring).
    """
    if outcome not in APPEAL_OUTCOMES:
        raise AppealError("invalid_outcome", _("The outcome is upheld or overturned."))
    reason = reason.strip()
    if not reason:
        raise AppealError("reason_required", _("Give the reason for the outcome."))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("decision").get(pk=appeal_id)
        check_can_review(appeal, user)
        clip = Clip.objects.select_for_update().get(pk=appeal.clip_id)
        replacement: Decision | None = None
        if outcome == AppealState.OVERTURNED:
            latest = appealed_decision(clip)
            if latest is None or latest.pk != appeal.decision_id:
                raise AppealError(
                    "decision_replaced",
                    "The clip was decided again since this appeal was filed; review it anew.",
                    409,
                )
            request = check_new_outcome(appeal.decision, new_outcome or NewOutcome(), reason)
            try:
                replacement = record_decision(
                    clip,
                    actor=user,
                    action=request.action,
                    labels=list(Label.objects.filter(slug__in=request.labels, active=True)),
                    reason=request.reason[:500],
                    note=f"Appeal #{appeal.pk} overturned: {reason}"[:5000],
                    evidence={
                        **evidence_for(clip),
                        "appeal": appeal.pk,
                        "overturns": appeal.decision_id,
                    },
                    audit_data={"appeal": appeal.pk},
                    supersedes=appeal.decision,
                )
            except DecisionError as exc:
                raise AppealError(exc.code, exc.message, exc.status) from exc
            clip.refresh_from_db()
        appeal.state = outcome
        appeal.reviewed_by = user
        appeal.reviewed_at = timezone.now()
        appeal.outcome_reason = reason[:500]
        appeal.new_decision = replacement
        appeal.save(
            update_fields=["state", "reviewed_by", "reviewed_at", "outcome_reason", "new_decision"]
        )
        record_event(
            clip,
            f"appeal.{outcome}",
            actor=user,
            data={
                "appeal": appeal.pk,
                "decision": appeal.decision_id,
                "new_decision": replacement.pk if replacement else None,
                "reason": reason[:500],
            },
        )
        announce(
            ClipEvent.CLIP_APPEAL_DECIDED,
            clip,
            {
                "appeal": appeal.pk,
                "decision": appeal.decision_id,
                "outcome": outcome,
                "reason": appeal.outcome_reason,
                "decided_at": appeal.reviewed_at,
                "new_decision": replacement.pk if replacement else None,
            },
        )
    return appeal


def open_appeals() -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(state=AppealState.OPEN)
        .select_related("clip", "decision__moderator", "submitted_by")
        .order_by("submitted_at", "id")
    )


@dataclass(frozen=True)
class AppealCounts:
    open: int
    upheld: int
    overturned: int


def appeal_counts() -> AppealCounts:
    """The appeals metrics: how many wait, and how many were upheld or overturned."""
    counts = dict(Appeal.objects.values_list("state").annotate(n=Count("id")))
    return AppealCounts(
        open=counts.get(AppealState.OPEN, 0),
        upheld=counts.get(AppealState.UPHELD, 0),
        overturned=counts.get(AppealState.OVERTURNED, 0),
    )
