"""Claims: a moderator holds a clip under a lease while reviewing it.

Looking is not reviewing: opening a clip's page claims nothing (and audits nothing). A claim
starts with "Next clip", an explicit "Start review", or a decision made on a clip nobody holds
(`apply_decision(..., claim=True)` claims and decides in one transaction). The lease is renewed
while the page stays open and ends on a decision, an explicit release, the page being left
(`release_on_leave`, sent by the page's `pagehide` beacon), or expiry. Nobody decides a clip
someone else holds. Escalated clips keep their status while a senior holds them, so the
escalation stays visible.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.constants import FINAL_STATES, REVIEWABLE_STATES, ClipStatus
from dashboard.errors import ServiceError
from dashboard.models import Clip, Queue
from dashboard.queues import in_queues, worked_queues
from dashboard.roles import is_moderator, is_senior
from dashboard.workflow import TransitionError, record_event, transition

MAX_NEXT_ATTEMPTS = 20


class ClaimError(ServiceError):
    """A claim was refused; `code` is stable for the API, the message is for a person."""

    default_status = 409


@dataclass(frozen=True)
class ClaimResult:
    clip: Clip
    action: str  # claimed, renewed, taken_over


def _lease_end() -> timezone.datetime:
    return timezone.now() + settings.UNMASK_CLAIM_LEASE


def _username(user_id: int | None) -> str:
    User = get_user_model()
    name = User.objects.filter(pk=user_id).values_list(User.USERNAME_FIELD, flat=True).first()
    return name or "Another moderator"


def held_by_other(clip: Clip, user: AbstractBaseUser) -> bool:
    return (
        clip.claimed_by_id is not None
        and clip.claimed_by_id != user.pk
        and clip.claim_expires_at is not None
        and clip.claim_expires_at > timezone.now()
    )


def check_can_review(clip: Clip, user: AbstractBaseUser) -> None:
    """Raise ClaimError unless `user`'s role may review `clip` in its current state."""
    if not is_moderator(user):
        raise ClaimError("forbidden", _("Only moderators review clips."), 403)
    if clip.status in FINAL_STATES:
        raise ClaimError(
            "already_decided", _("Clip %(clip)s was already decided.") % {"clip": clip.short_id}
        )
    if clip.status == ClipStatus.ESCALATED and not is_senior(user):
        raise ClaimError("senior_only", _("Escalated clips are decided by senior moderators."), 403)
    if clip.status not in REVIEWABLE_STATES:
        raise ClaimError(
            "not_reviewable",
            _("Clip %(clip)s is %(status)s.")
            % {"clip": clip.short_id, "status": clip.get_status_display()},
        )


def claim_refusal(clip: Clip, user: AbstractBaseUser) -> ClaimError | None:
    """Why `user` could not claim `clip` now (the read-only view's banner), or None if they
    could; nothing is locked or written: the claim itself checks again."""
    try:
        check_can_review(clip, user)
    except ClaimError as exc:
        return exc
    if held_by_other(clip, user):
        return ClaimError(
            "held_by_other",
            _("%(user)s is reviewing this clip.") % {"user": _username(clip.claimed_by_id)},
        )
    return None


def may_decide_now(clip: Clip, user: AbstractBaseUser) -> bool:
    """Whether `user` holds a live claim on `clip` and their role may decide it: the review
    page offers the decision tools exactly then (apply_decision checks again when it acts)."""
    try:
        check_can_review(clip, user)
    except ClaimError:
        return False
    return clip.claimed_by_id == user.pk and (
        clip.claim_expires_at is None or clip.claim_expires_at >= timezone.now()
    )


def claim_clip(clip_id: int, user: AbstractBaseUser) -> ClaimResult:
    """Claim (or renew the claim on) a clip for `user`; refuse if someone else holds it."""
    with transaction.atomic():
        # No join under the lock: PostgreSQL re-reads a row it waited for, but not the joined
        # user row, so a select_related holder could be stale or missing.
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        check_can_review(clip, user)
        if held_by_other(clip, user):
            raise ClaimError(
                "held_by_other",
                _("%(user)s is reviewing this clip.") % {"user": _username(clip.claimed_by_id)},
            )
        fields = {"claimed_by": user, "claim_expires_at": _lease_end()}
        if clip.status == ClipStatus.AWAITING_REVIEW:
            result = transition(
                clip.pk, ClipStatus.IN_REVIEW, actor=user, action="claim.claimed", fields=fields
            )
            return ClaimResult(result.clip, "claimed")
        previous = clip.claimed_by_id
        action = "renewed" if previous == user.pk else "taken_over" if previous else "claimed"
        for name, value in fields.items():
            setattr(clip, name, value)
        clip.save(update_fields=["claimed_by", "claim_expires_at", "updated_at"])
        if action != "renewed":
            record_event(clip, f"claim.{action}", actor=user, data={"previous": previous})
        return ClaimResult(clip, action)


def renew_claim(clip_id: int, user: AbstractBaseUser) -> Clip:
    """Extend the lease `user` holds (the review page's heartbeat); never take a clip anew.

    A claim that already ended (expired and released, decided, taken by someone else) is
    refused, so a page left open cannot quietly re-claim a clip that changed meanwhile.
    """
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        if clip.claimed_by_id != user.pk or (
            clip.claim_expires_at is not None and clip.claim_expires_at < timezone.now()
        ):
            raise ClaimError("not_held", _("Your claim on this clip has ended; reopen it."))
        clip.claim_expires_at = _lease_end()
        clip.save(update_fields=["claim_expires_at", "updated_at"])
        return clip


def release_on_leave(clip_id: int, user: AbstractBaseUser, lease: datetime | None) -> bool:
    """Give the clip back when the page that held it is left; True when released.

    `lease` is the expiry the leaving page last knew. A page opened since (a reload, a second
    tab) renewed the claim, so a stale beacon arriving after it finds another expiry and
    releases nothing. Leaving a clip one does not hold (decided, expired) is a quiet no-op.
    """
    with transaction.atomic():
        # A beacon may arrive after the clip is gone (erased): nothing to give back then.
        clip = Clip.objects.select_for_update().filter(pk=clip_id).first()
        if clip is None or lease is None or clip.claimed_by_id != user.pk:
            return False
        if clip.claim_expires_at != lease:
            return False
        end_claim(clip, actor=user, action="claim.released")
        return True


def release_claim(clip_id: int, user: AbstractBaseUser) -> Clip:
    """Give a held clip back to its queue."""
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        if clip.claimed_by_id != user.pk:
            raise ClaimError("not_held", _("You do not hold this clip."))
        return end_claim(clip, actor=user, action="claim.released")


def end_claim(clip: Clip, *, actor: AbstractBaseUser | None, action: str) -> Clip:
    """End a claim (released, expired or taken back by an operator), audited as `action`.

    The caller holds the clip's row lock. An in-review clip returns to awaiting review.
    """
    fields = {"claimed_by": None, "claim_expires_at": None}
    if clip.status == ClipStatus.IN_REVIEW:
        return transition(
            clip.pk,
            ClipStatus.AWAITING_REVIEW,
            actor=actor,
            actor_label="" if actor else "task:release_expired_claims",
            action=action,
            expected_from=(ClipStatus.IN_REVIEW,),
            fields=fields,
            data={"held_by": clip.claimed_by_id},
        ).clip
    held_by = clip.claimed_by_id
    for name, value in fields.items():
        setattr(clip, name, value)
    clip.save(update_fields=["claimed_by", "claim_expires_at", "updated_at"])
    record_event(
        clip,
        action,
        actor=actor,
        actor_label="" if actor else "task:release_expired_claims",
        data={"held_by": held_by},
    )
    return clip


def release_expired_claims() -> int:
    """Return clips whose review lease ran out to the queue; audited as the system's act."""
    now = timezone.now()
    released = 0
    for clip_id in Clip.objects.filter(
        claimed_by__isnull=False, claim_expires_at__lt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            clip = Clip.objects.select_for_update().get(pk=clip_id)
            if clip.claim_expires_at is None or clip.claim_expires_at >= now:
                continue
            try:
                end_claim(clip, actor=None, action="claim.expired")
            except TransitionError:
                continue
        released += 1
    return released


def claimable(queryset: QuerySet[Clip], user: AbstractBaseUser) -> QuerySet[Clip]:
    """Clips in `queryset` nobody else holds right now."""
    return queryset.filter(
        Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claim_expires_at__lt=timezone.now())
    )


def claim_next_clip(
    user: AbstractBaseUser,
    *,
    escalated: bool = False,
    exclude: Collection[int] = (),
    queue: str = "",
) -> Clip | None:
    """Claim the highest-priority clip nobody holds: the "Next clip" button.

    `exclude` holds clips the moderator just skipped, so "next" never hands them straight back.
    A moderator is served from the queues they work (dashboard.queues.worked_queues), or from
    the one of them named by slug in `queue`; a queue they do not work is refused (403). The
    seniors' escalations queue is one queue whatever the routing.

    On PostgreSQL the candidate row is locked with SKIP LOCKED, so moderators pressing the
    button at the same instant each get a different clip instead of queueing on the same one.
    Asking for the escalations queue without a senior role is refused (ClaimError, 403).
    """
    if escalated and not is_senior(user):
        raise ClaimError("senior_only", _("Escalated clips are decided by senior moderators."), 403)
    status = ClipStatus.ESCALATED if escalated else ClipStatus.AWAITING_REVIEW
    candidates = Clip.objects.filter(status=status)
    if not escalated:
        candidates = candidates.filter(in_queues(_serving_queues(user, queue)))
    for _attempt in range(MAX_NEXT_ATTEMPTS):
        with transaction.atomic():
            clip_id = (
                claimable(candidates, user)
                .exclude(pk__in=list(exclude))
                .order_by("-priority", "created_at")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)
                .first()
            )
            if clip_id is None:
                return None
            try:
                return claim_clip(clip_id, user).clip
            except ClaimError:
                # Changed between our read and our lock (SQLite has no row locks): next one.
                continue
    return None


def _serving_queues(user: AbstractBaseUser, slug: str) -> list[Queue]:
    """The queues *Next clip* takes from for `user`: all they work, or the one named."""
    worked = worked_queues(user)
    if not slug:
        return worked
    chosen = [q for q in worked if q.slug == slug]
    if not chosen:
        if not Queue.objects.filter(slug=slug).exists():
            raise ClaimError(
                "unknown_queue", _("There is no queue “%(queue)s”.") % {"queue": slug}, 400
            )
        raise ClaimError(
            "not_a_member",
            _("You do not work the queue “%(queue)s”; ask a senior to add you.") % {"queue": slug},
            403,
        )
    return chosen
