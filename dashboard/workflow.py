"""The clip state machine: every allowed transition, and the one function that applies one.

Every other module changes a clip's status through `transition()`, which locks the row, checks
the table, bumps the clip's version and writes the AuditEvent in the same transaction.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from dashboard.constants import FINAL_STATES, ClipStatus
from dashboard.errors import ServiceError
from dashboard.models import AuditEvent, Clip

S = ClipStatus

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.SCORING, S.FAILED}),
    # Back to queued when a scoring lease expires or a retry is scheduled.
    S.SCORING: frozenset({S.AWAITING_REVIEW, S.FAILED, S.QUEUED}),
    S.AWAITING_REVIEW: frozenset({S.IN_REVIEW}),
    S.IN_REVIEW: frozenset(
        {S.AWAITING_REVIEW, S.APPROVED, S.LABELED, S.REMOVED, S.ESCALATED, S.AWAITING_CONFIRM}
    ),
    # A senior decides an escalated clip directly; claims on it do not change its status.
    S.ESCALATED: frozenset({S.APPROVED, S.LABELED, S.REMOVED, S.AWAITING_CONFIRM}),
    # Two-person rule (teamwork/confirmations.py): a second moderator confirms the pending
    # outcome or overturns it with another one; withdrawn, the clip goes back to the queue.
    S.AWAITING_CONFIRM: frozenset(
        {S.APPROVED, S.LABELED, S.REMOVED, S.ESCALATED, S.AWAITING_REVIEW}
    ),
    S.FAILED: frozenset({S.QUEUED}),
    S.APPROVED: frozenset(),
    S.LABELED: frozenset(),
    S.REMOVED: frozenset(),
}

assert all(not ALLOWED_TRANSITIONS[s] for s in FINAL_STATES)

# An overturned appeal (teamwork.appeals) is the one way out of a final state: the reviewer's
# new outcome, recorded by `dashboard.decisions.record_decision` with `supersedes` naming the
# overturned decision, moves the clip from one final state to another (or to the same one with
# other labels). Nothing else may use these: `transition(..., by_appeal=True)` asks for them.
APPEAL_TRANSITIONS: dict[str, frozenset[str]] = {
    state: frozenset(FINAL_STATES) for state in FINAL_STATES
}


class TransitionError(ServiceError):
    """The clip is not in a state from which the requested transition is allowed."""

    error_code = "invalid_transition"
    default_status = 409

    def __init__(self, clip: Clip, to_status: str, message: str = "") -> None:
        self.clip = clip
        self.from_status = clip.status
        self.to_status = to_status
        super().__init__(
            self.error_code,
            message or f"Clip {clip.short_id} cannot go from {clip.status} to {to_status}.",
        )


class StaleVersionError(TransitionError):
    """The clip changed since the caller read it."""

    error_code = "stale_version"


@dataclass(frozen=True)
class TransitionResult:
    clip: Clip
    from_status: str
    to_status: str
    event: AuditEvent


def can_transition(from_status: str, to_status: str, *, by_appeal: bool = False) -> bool:
    if by_appeal:
        return to_status in APPEAL_TRANSITIONS.get(from_status, frozenset())
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


def transition(
    clip_id: int,
    to_status: str,
    *,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    action: str = "",
    expected_from: tuple[str, ...] | None = None,
    expected_version: int | None = None,
    fields: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    by_appeal: bool = False,
) -> TransitionResult:
    """Move one clip to `to_status`, audited; raise TransitionError when the table forbids it.

    `expected_from` narrows the allowed sources further (a task that only moves clips it
    claimed); `expected_version` refuses a change based on an outdated page; `fields` are
    saved on the clip in the same write. `by_appeal` allows only the moves of an overturned
    appeal (APPEAL_TRANSITIONS: a final state to a final state) instead of the table's.
    """
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        from_status = clip.status
        if expected_version is not None and clip.version != expected_version:
            raise StaleVersionError(
                clip, to_status, f"Clip {clip.short_id} changed since it was opened."
            )
        if expected_from is not None and from_status not in expected_from:
            raise TransitionError(clip, to_status)
        if not can_transition(from_status, to_status, by_appeal=by_appeal):
            raise TransitionError(clip, to_status)
        clip.status = to_status
        clip.version += 1
        for name, value in (fields or {}).items():
            setattr(clip, name, value)
        if to_status in FINAL_STATES:
            clip.decided_at = timezone.now()
        clip.save()
        event = AuditEvent.objects.create(
            clip=clip,
            actor=actor,
            actor_label=actor_label,
            action=action or f"status:{to_status}",
            from_status=from_status,
            to_status=to_status,
            data=data or {},
        )
    return TransitionResult(clip=clip, from_status=from_status, to_status=to_status, event=event)


def record_event(
    clip: Clip | None,
    action: str,
    *,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Audit an act that does not change a clip's status (a report, a claim, a note).

    The audit trail's writer (an AuditEvent row); the webhook outbox has its own,
    `integrations.events.queue_webhook_event`."""
    status = clip.status if clip else ""
    return AuditEvent.objects.create(
        clip=clip,
        actor=actor,
        actor_label=actor_label,
        action=action,
        from_status=status,
        to_status=status,
        data=data or {},
    )
