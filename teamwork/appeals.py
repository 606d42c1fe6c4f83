"""Appeals against a decision: filed (by a platform through the API, or by hand), reviewed by
someone other than whoever decided, and closed as upheld or overturned with a reason.

The decided clip stays in its final state either way (final states are terminal, and Decision
rows are immutable): an overturned appeal is the record, announced by the
`clip.appeal_decided` webhook, on which the platform restores or takes down the content.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.constants import FINAL_STATES, ClipEvent
from dashboard.errors import ServiceError
from dashboard.events import announce
from dashboard.models import Clip, Decision
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


def decide_appeal(appeal_id: int, user: AbstractBaseUser, outcome: str, reason: str) -> Appeal:
    """Close an appeal as upheld or overturned, with a reason; audited and announced."""
    if outcome not in APPEAL_OUTCOMES:
        raise AppealError("invalid_outcome", _("The outcome is upheld or overturned."))
    reason = reason.strip()
    if not reason:
        raise AppealError("reason_required", _("Give the reason for the outcome."))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("decision").get(pk=appeal_id)
        check_can_review(appeal, user)
        appeal.state = outcome
        appeal.reviewed_by = user
        appeal.reviewed_at = timezone.now()
        appeal.outcome_reason = reason[:500]
        appeal.save(update_fields=["state", "reviewed_by", "reviewed_at", "outcome_reason"])
        clip = Clip.objects.get(pk=appeal.clip_id)
        record_event(
            clip,
            f"appeal.{outcome}",
            actor=user,
            data={"appeal": appeal.pk, "decision": appeal.decision_id, "reason": reason[:500]},
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
