"""The rules of retention and erasure: when a clip's media is due, what keeps it, and the one
function that erases it.

`erase_clip_media` is the only writer: it asks every app registered in
`dashboard.hooks.clip_media_holders` what it holds for the clip (the clip file, face crops,
evidence packs, disclosed renditions), deletes each file through its storage (so the local disk
or the S3 bucket is really freed), lets the app forget it, marks the clip and writes one audit
event. Hashes (SHA-256 on the clip, the PDQ fingerprint), reports, decisions and audit stay.
Asking again finds nothing held and does nothing, so sweeps and erasures can be re-run.

`plan_sweep` says for every decided clip whose media is still there what a sweep would do and
why; `run_sweep` carries out the due part (or, in a dry run, nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.constants import FINAL_STATES
from dashboard.errors import ServiceError
from dashboard.hooks import HeldMedia, clip_media_holders, retention_blockers
from dashboard.models import Clip, Person
from dashboard.roles import is_admin
from dashboard.workflow import record_event
from retention.constants import SWEEP_ACTOR, ErasureState
from retention.models import ErasureRequest, LegalHold, RetentionPolicy

logger = logging.getLogger(__name__)


class RetentionError(ServiceError):
    """A hold, release or erasure was refused."""


# --- What a clip holds, and what keeps it ------------------------------------------------------


def held_media(clip: Clip) -> list[HeldMedia]:
    """Everything every registered app stores for the clip now, in registration order."""
    items: list[HeldMedia] = []
    for holder in clip_media_holders:
        items.extend(holder.held(clip))
    return items


def active_holds(clip: Clip) -> list[LegalHold]:
    """Legal holds that keep this clip's media: on the clip, or on a person it depicts or ever
    depicted (an untagged person's hold still holds: dashboard.models.Depiction)."""
    person_ids = list(
        Person.objects.filter(Q(clips=clip) | Q(depictions__clip=clip))
        .distinct()
        .values_list("pk", flat=True)
    )
    return list(
        LegalHold.objects.active()
        .filter(Q(clip=clip) | Q(person_id__in=person_ids))
        .order_by("placed_at", "pk")
    )


def hold_reasons(clip: Clip) -> list[str]:
    return [
        f"legal hold {hold.pk} ({'clip' if hold.clip_id else 'person'}): {hold.reason}"
        for hold in active_holds(clip)
    ]


def blocker_reasons(clip: Clip) -> list[str]:
    """What registered apps say against deleting now (an open appeal, a pack being built)."""
    return [reason for blocker in retention_blockers if (reason := blocker.reason(clip))]


# --- Erasing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasedMedia:
    clip_id: int
    public_id: str
    items: list[dict[str, Any]]

    @property
    def bytes_freed(self) -> int:
        return sum(item["size_bytes"] for item in self.items)


def _describe(item: HeldMedia) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "description": item.description,
        "name": item.name,
        "size_bytes": item.size_bytes,
    }


def erase_clip_media(
    clip_id: int,
    *,
    under: str,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> ErasedMedia:
    """Delete every piece of media any app holds for the clip; audited; a no-op when nothing is
    left. `under` completes "media erased under …" (a policy's or a request's name).

    Files go first, each through its own storage, then the rows forget them: a crash in
    between leaves a reference to a missing file, which the next run deletes again (deleting a
    missing file is not an error for FileSystemStorage or S3) and forgets.
    """
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        items = held_media(clip)
        if not items:
            return ErasedMedia(clip.pk, clip.public_id.hex, [])
        for item in items:
            if item.storage is not None and item.name:
                item.storage.delete(item.name)
            item.forget()
        described = [_describe(item) for item in items]
        if clip.media_erased_at is None:
            clip.media_erased_at = timezone.now()
            clip.media_erased_under = under[:300]
        clip.file = ""
        clip.save(update_fields=["file", "media_erased_at", "media_erased_under", "updated_at"])
        record_event(
            clip,
            "retention.media_erased",
            actor=actor,
            actor_label=actor_label,
            data={"under": under[:300], "items": described, **(data or {})},
        )
    logger.info("erased %d media items of clip %s under %s", len(items), clip.short_id, under)
    return ErasedMedia(clip.pk, clip.public_id.hex, described)


# --- Sweeping by policy -------------------------------------------------------------------------


@dataclass
class SweepItem:
    """One decided clip with media: what a sweep does with it and why."""

    clip: Clip
    policy: RetentionPolicy | None
    due_at: datetime | None
    action: str  # "delete", "keep", "wait" or "hold"
    reasons: list[str] = field(default_factory=list)
    media: list[HeldMedia] = field(default_factory=list)

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def policy_label(policy: RetentionPolicy) -> str:
    return f"retention policy “{policy.name}”"


def _judge(clip: Clip, policy: RetentionPolicy | None, now: datetime) -> SweepItem:
    if policy is None or not policy.active or not policy.delete_media:
        why = "no active policy deletes media of this outcome"
        return SweepItem(clip, policy, None, "keep", [why])
    decided = clip.decided_at or clip.updated_at
    due_at = decided + policy.keeps_for
    if now < due_at:
        window = (
            "appeal window"
            if policy.appeal_window_days > policy.delete_after_days
            else "retention period"
        )
        return SweepItem(clip, policy, due_at, "wait", [f"{window} runs until {due_at:%Y-%m-%d}"])
    holds = hold_reasons(clip)
    if holds:
        return SweepItem(clip, policy, due_at, "hold", holds)
    blockers = blocker_reasons(clip)
    if blockers:
        return SweepItem(clip, policy, due_at, "wait", blockers)
    why = f"decided {decided:%Y-%m-%d}, due {due_at:%Y-%m-%d} under {policy_label(policy)}"
    return SweepItem(clip, policy, due_at, "delete", [why])


def plan_sweep(now: datetime | None = None) -> list[SweepItem]:
    """What a sweep would do with every decided clip whose media is still there."""
    now = now or timezone.now()
    policies = {p.outcome: p for p in RetentionPolicy.objects.all()}
    clips = (
        Clip.objects.filter(status__in=FINAL_STATES, media_erased_at__isnull=True)
        .order_by("decided_at", "pk")
        .iterator(chunk_size=500)
    )
    plan = []
    for clip in clips:
        item = _judge(clip, policies.get(clip.status), now)
        if item.action == "delete":
            item.media = held_media(clip)
        plan.append(item)
    return plan


@dataclass(frozen=True)
class SweepReport:
    dry_run: bool
    items: list[SweepItem]
    erased: list[ErasedMedia]

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def bytes_freed(self) -> int:
        return sum(e.bytes_freed for e in self.erased)


def run_sweep(*, dry_run: bool, now: datetime | None = None) -> SweepReport:
    """Erase the media every policy says is due; in a dry run, only plan. Each clip is judged
    again under its row lock just before its media goes (a hold or an appeal may have come
    since the plan was made) and erased in its own transaction."""
    now = now or timezone.now()
    plan = plan_sweep(now)
    erased: list[ErasedMedia] = []
    for item in plan:
        if dry_run or item.action != "delete" or item.policy is None:
            continue
        with transaction.atomic():
            clip = Clip.objects.select_for_update().get(pk=item.clip.pk)
            fresh = _judge(clip, item.policy, now)
            if fresh.action != "delete":
                item.action, item.reasons = fresh.action, fresh.reasons
                continue
            erased.append(
                erase_clip_media(
                    clip.pk,
                    under=policy_label(item.policy),
                    actor_label=SWEEP_ACTOR,
                    data={"policy": item.policy.pk, "outcome": item.policy.outcome},
                )
            )
    return SweepReport(dry_run=dry_run, items=plan, erased=erased)


def format_report(report: SweepReport, *, verbose: bool = True) -> Iterable[str]:
    """The sweep's report, line by line, for the command and the task's log."""
    head = "Dry run: nothing deleted." if report.dry_run else "Sweep done."
    yield (
        f"{head} {report.count('delete')} clip(s) due, {report.count('hold')} on legal hold, "
        f"{report.count('wait')} waiting, {report.count('keep')} kept by policy."
    )
    for item in report.items:
        if item.action == "keep" and not verbose:
            continue
        verb = {"delete": "would delete" if report.dry_run else "deleted"}.get(
            item.action, item.action
        )
        yield f"clip {item.clip.public_id} [{item.clip.status}] {verb}: {item.why}"
        if item.action == "delete":
            for media in item.media:
                yield f"    - {media.description}"
    if not report.dry_run:
        freed = report.bytes_freed
        yield f"{len(report.erased)} clip(s) erased; {freed} bytes of clip files and packs freed."


# --- Legal holds --------------------------------------------------------------------------------


def _require_admin(user: AbstractBaseUser) -> None:
    if not is_admin(user):
        raise RetentionError("forbidden", _("Only admins handle legal holds and erasure."), 403)


def place_hold(
    user: AbstractBaseUser,
    reason: str,
    *,
    clip: Clip | None = None,
    person: Person | None = None,
) -> LegalHold:
    """Hold one clip, or every clip depicting a person, against deletion; audited."""
    _require_admin(user)
    reason = reason.strip()
    if not reason:
        raise RetentionError("reason_required", _("Give the reason for the legal hold."))
    if (clip is None) == (person is None):
        raise RetentionError("hold_target", _("A legal hold is on one clip or on one person."))
    with transaction.atomic():
        hold = LegalHold.objects.create(
            clip=clip, person=person, reason=reason[:500], placed_by=user
        )
        record_event(
            clip,
            "retention.hold_placed",
            actor=user,
            data={"hold": hold.pk, "person": person.pk if person else None, "reason": reason},
        )
    return hold


def release_hold(hold_id: int, user: AbstractBaseUser, reason: str) -> LegalHold:
    _require_admin(user)
    reason = reason.strip()
    if not reason:
        raise RetentionError("reason_required", _("Give the reason for releasing the hold."))
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold_id)
        if hold.released_at is not None:
            raise RetentionError(
                "already_released", _("This legal hold was already released."), 409
            )
        hold.released_at = timezone.now()
        hold.released_by = user
        hold.release_reason = reason[:500]
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        record_event(
            hold.clip,
            "retention.hold_released",
            actor=user,
            data={"hold": hold.pk, "person": hold.person_id, "reason": reason[:500]},
        )
    return hold


# --- Erasure requests ---------------------------------------------------------------------------


def record_erasure_request(
    person: Person, user: AbstractBaseUser, requested_by: str, notes: str = ""
) -> ErasureRequest:
    _require_admin(user)
    if not requested_by.strip():
        raise RetentionError("requested_by_required", _("Say who asked for the erasure, and how."))
    request = ErasureRequest.objects.create(
        person=person, requested_by=requested_by.strip()[:200], recorded_by=user, notes=notes
    )
    record_event(
        None,
        "retention.erasure_requested",
        actor=user,
        data={"request": request.pk, "person": person.pk, "requested_by": request.requested_by},
    )
    return request


def erasure_label(request: ErasureRequest) -> str:
    return f"erasure request {request.pk} of {request.person.name}"


def carry_out_erasure(request_id: int, user: AbstractBaseUser) -> ErasureRequest:
    """Erase the media of every clip depicting the request's person, except clips under a
    legal hold (kept, with the hold named in the result). Appeal windows and open appeals do
    not stop an erasure the person asked for. Hashes, decisions and audit stay; carried out
    again (after a hold is released, or for clips added since), it erases what is left."""
    _require_admin(user)
    request = ErasureRequest.objects.select_related("person").get(pk=request_id)
    label = erasure_label(request)
    erased: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    # Every clip that depicts the person now or ever did (untagged after the report, say).
    depicting = Clip.objects.filter(
        Q(persons=request.person) | Q(depictions__person=request.person)
    )
    for clip_id in depicting.distinct().order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            clip = Clip.objects.select_for_update().get(pk=clip_id)
            holds = hold_reasons(clip)
            if holds:
                kept.append({"clip": clip.public_id.hex, "reasons": holds})
                continue
            done = erase_clip_media(
                clip.pk, under=label, actor=user, data={"erasure_request": request.pk}
            )
        erased.append({"clip": done.public_id, "items": done.items})
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().get(pk=request_id)
        runs = request.result.get("runs", [])
        runs.append(
            {
                "at": timezone.now().isoformat(),
                "by": user.get_username(),
                "erased": erased,
                "kept": kept,
            }
        )
        request.result = {"runs": runs}
        request.state = ErasureState.PARTIAL if kept else ErasureState.DONE
        request.carried_out_by = user
        request.carried_out_at = timezone.now()
        request.save(update_fields=["result", "state", "carried_out_by", "carried_out_at"])
        record_event(
            None,
            "retention.erasure_carried_out",
            actor=user,
            data={
                "request": request.pk,
                "person": request.person_id,
                "clips_erased": [e["clip"] for e in erased if e["items"]],
                "clips_kept": [k["clip"] for k in kept],
            },
        )
    return request
