"""Review renditions of clips: the rows (`dashboard.ReviewRendition`) and the work on them.

At ingest `open_rendition` judges from the upload's probe whether browsers play it as it is
(`not_needed`: the player gets the original at once, worker or not) or not (`pending`), inside
the clip's transaction; `detection.tasks` then sends the job. `run_rendition` is the job's body:
it claims the row with a lease (a second delivery finds it finished or held and does nothing),
makes the H.264 rendition (or, for a playable upload, only its poster and contact sheet), stores
the files beside the original in the clip's storage, and finishes the row. A permanent failure
(damaged media, over the time budget) finishes it `failed` with the reason, the original
untouched; a transient one (storage or database away) releases the lease for the retry.
`rows_to_resend` and `give_up_on_stuck` are the sweeper's (`detection.tasks.resend_renditions`).

A photo's rendition is the copy the desk shows (`detection.images.make_photo_copy`): upright by
its EXIF orientation, re-encoded without metadata (so without GPS), full resolution; always
`pending` at ingest (the original is never served to the review page), `ready` once made.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db.models import F, Q
from django.utils import timezone

from dashboard.constants import ClipKind, RenditionState
from dashboard.models import Clip, ReviewRendition
from dashboard.workflow import record_event
from detection.images import make_photo_copy
from detection.probe import MediaLimits, MediaRejected
from detection.rendition import (
    RenditionError,
    Stills,
    browser_playback,
    make_rendition,
    make_stills,
)
from detection.storage_io import local_path

logger = logging.getLogger(__name__)

ACTOR = "task:make_review_rendition"
# Sends of one rendition before the sweeper marks it failed.
MAX_ATTEMPTS = 5


PHOTO_COPY_BECAUSE = "a photo is shown as an upright copy without its metadata (GPS)"


@dataclass(frozen=True)
class RenditionOutcome:
    clip_id: int
    outcome: str  # ready, not_needed, failed, skipped
    detail: str = ""


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.UNMASK_RENDITION_TIME_LIMIT_S + 120)


def open_rendition(clip: Clip, path: Path) -> ReviewRendition:
    """The clip's rendition row, judged from the upload at `path` (call inside the clip's
    transaction; the caller sends the job on commit)."""
    if clip.kind == ClipKind.PHOTO:
        return ReviewRendition.objects.create(
            clip=clip, state=RenditionState.PENDING, needed_because=PHOTO_COPY_BECAUSE
        )
    try:
        playback = browser_playback(path)
        state = RenditionState.NOT_NEEDED if playback.plays_in_browsers else RenditionState.PENDING
        why = playback.why
    except RenditionError as exc:
        state, why = RenditionState.PENDING, str(exc)
    return ReviewRendition.objects.create(clip=clip, state=state, needed_because=why[:200])


def open_missing_renditions(limit: int = 200) -> int:
    """Rows for clips that have media but no rendition yet (uploaded before renditions)."""
    clips = Clip.objects.filter(rendition__isnull=True, media_erased_at__isnull=True).exclude(
        file=""
    )
    created = ReviewRendition.objects.bulk_create(
        [ReviewRendition(clip_id=pk) for pk in clips.values_list("pk", flat=True)[:limit]],
        ignore_conflicts=True,
    )
    return len(created)


def _claim(clip_id: int) -> ReviewRendition | None:
    now = timezone.now()
    taken = (
        ReviewRendition.objects.filter(clip_id=clip_id, finished_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + lease_duration(), attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    return ReviewRendition.objects.select_related("clip").get(clip_id=clip_id)


def _store(storage: Storage, name: str, path: Path) -> tuple[str, str, int]:
    """Save `path` as `name` (replacing a copy an earlier attempt left); (name, sha256, size)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    if storage.exists(name):
        storage.delete(name)
    with path.open("rb") as fh:
        stored = storage.save(name, File(fh, name=Path(name).name))
    return stored, digest.hexdigest(), path.stat().st_size


def _names(clip: Clip, extension: str = "mp4") -> dict[str, str]:
    base = clip.file.name.rsplit(".", 1)[0]
    return {
        "file": f"{base}.review.{extension}",
        "poster": f"{base}.poster.jpg",
        "contact_sheet": f"{base}.sheet.jpg",
    }


def _store_stills(row: ReviewRendition, storage: Storage, stills: Stills) -> dict[str, object]:
    names = _names(row.clip)
    poster, _, poster_size = _store(storage, names["poster"], stills.poster)
    sheet, _, sheet_size = _store(storage, names["contact_sheet"], stills.contact_sheet)
    return {
        "poster": poster,
        "contact_sheet": sheet,
        "sheet_times": list(stills.sheet_times),
        "stills_bytes": poster_size + sheet_size,
    }


def _finish(row: ReviewRendition, state: str, fields: dict[str, object], data: dict) -> None:
    ReviewRendition.objects.filter(pk=row.pk).update(
        state=state, finished_at=timezone.now(), lease_until=None, **fields
    )
    record_event(row.clip, f"rendition.{state}", actor_label=ACTOR, data=data)


def run_rendition(clip_id: int) -> RenditionOutcome:
    """Make the clip's rendition (or only its stills) unless it is done or being done."""
    row = _claim(clip_id)
    if row is None:
        return RenditionOutcome(clip_id, "skipped", "finished, or another job holds it")
    clip = row.clip
    if clip.media_erased_at is not None or not clip.file:
        _finish(row, RenditionState.FAILED, {"failure_reason": "The clip's media was erased."}, {})
        return RenditionOutcome(clip_id, "failed", "media erased")
    storage = clip.file.storage
    try:
        with (
            local_path(storage, clip.file.name, suffix=".video") as src,
            tempfile.TemporaryDirectory(prefix="unmask-rendition-") as tmp,
        ):
            return _render(row, storage, Path(src), Path(tmp))
    except BaseException:
        # A transient error (or a worker shutting down): the retry or the sweeper takes it again.
        ReviewRendition.objects.filter(pk=row.pk, finished_at__isnull=True).update(lease_until=None)
        raise


def _render_photo(row: ReviewRendition, storage: Storage, src: Path, tmp: Path) -> RenditionOutcome:
    """The photo's served copy (upright, no metadata) and its poster (and, animated, a sheet)."""
    try:
        copy = make_photo_copy(src, tmp, MediaLimits.from_settings(settings))
    except MediaRejected as exc:
        reason = f"The photo cannot be read: {exc.message}"
        _finish(row, RenditionState.FAILED, {"failure_reason": reason[:500]}, {"reason": reason})
        return RenditionOutcome(row.clip_id, "failed", reason)
    extension = copy.path.suffix.lstrip(".")
    name, sha256, size = _store(storage, _names(row.clip, extension)["file"], copy.path)
    names = _names(row.clip)
    poster, _, poster_size = _store(storage, names["poster"], copy.poster)
    fields: dict[str, object] = {
        "file": name,
        "sha256": sha256,
        "size_bytes": size,
        "codec": copy.codec,
        "width": copy.width,
        "height": copy.height,
        "poster": poster,
        "stills_bytes": poster_size,
        "needed_because": PHOTO_COPY_BECAUSE,
        "failure_reason": "",
    }
    if copy.contact_sheet is not None:
        sheet, _, sheet_size = _store(storage, names["contact_sheet"], copy.contact_sheet)
        fields |= {
            "contact_sheet": sheet,
            "sheet_times": list(copy.sheet_times),
            "stills_bytes": poster_size + sheet_size,
        }
    _finish(
        row,
        RenditionState.READY,
        fields,
        {"size": size, "sha256": sha256, "photo": True, "frames": copy.frames},
    )
    return RenditionOutcome(row.clip_id, "ready", f"{copy.width}x{copy.height}, {size} bytes")


def _render(row: ReviewRendition, storage: Storage, src: Path, tmp: Path) -> RenditionOutcome:
    clip_id = row.clip_id
    if row.clip.kind == ClipKind.PHOTO:
        return _render_photo(row, storage, src, tmp)
    threads = settings.UNMASK_RENDITION_THREADS
    try:
        playback = browser_playback(src)
        if playback.plays_in_browsers:
            fields = _store_stills(row, storage, make_stills(src, tmp, threads=threads))
            fields |= {"needed_because": "", "failure_reason": ""}
            _finish(row, RenditionState.NOT_NEEDED, fields, {"codec": playback.video_codec})
            return RenditionOutcome(clip_id, "not_needed", playback.video_codec)
        result = make_rendition(
            src,
            tmp,
            max_short_side=settings.UNMASK_RENDITION_MAX_HEIGHT,
            threads=threads,
            crf=settings.UNMASK_RENDITION_CRF,
            preset=settings.UNMASK_RENDITION_PRESET,
            # Stop before the task's soft limit, so the failure is recorded in words.
            max_seconds=settings.UNMASK_RENDITION_TIME_LIMIT_S * 0.9,
        )
    except (RenditionError, SoftTimeLimitExceeded) as exc:
        return _fail(row, storage, src, tmp, exc)
    name, sha256, size = _store(storage, _names(row.clip)["file"], result.path)
    fields = _store_stills(row, storage, result.stills) | {
        "file": name,
        "sha256": sha256,
        "size_bytes": size,
        "codec": result.codec,
        "width": result.width,
        "height": result.height,
        "encode_seconds": result.seconds,
        "needed_because": playback.why[:200],
        "failure_reason": "",
    }
    _finish(
        row,
        RenditionState.READY,
        fields,
        {"size": size, "sha256": sha256, "seconds": result.seconds, "because": playback.why},
    )
    return RenditionOutcome(clip_id, "ready", f"{result.width}x{result.height}, {size} bytes")


def _fail(
    row: ReviewRendition, storage: Storage, src: Path, tmp: Path, exc: BaseException
) -> RenditionOutcome:
    if isinstance(exc, SoftTimeLimitExceeded):
        reason = f"It took longer than {settings.UNMASK_RENDITION_TIME_LIMIT_S} s."
    else:
        reason = f"{str(exc)[:1].upper()}{str(exc)[1:]}."
    fields: dict[str, object] = {"failure_reason": reason[:500]}
    try:
        # The contact sheet still lets a moderator see what the clip shows.
        fields |= _store_stills(
            row, storage, make_stills(src, tmp, threads=settings.UNMASK_RENDITION_THREADS)
        )
    except (RenditionError, SoftTimeLimitExceeded):
        logger.info("No stills either for clip %s", row.clip_id)
    _finish(row, RenditionState.FAILED, fields, {"reason": reason[:500]})
    return RenditionOutcome(row.clip_id, "failed", reason)


def rows_to_resend(now: timezone.datetime | None = None) -> list[int]:
    """Clip ids of unfinished renditions never sent, or sent long ago and not held by a job."""
    now = now or timezone.now()
    stale = now - 2 * lease_duration()
    return list(
        ReviewRendition.objects.filter(finished_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("clip_id", flat=True)[:500]
    )


def give_up_on_stuck(now: timezone.datetime | None = None) -> int:
    """Mark failed the renditions tried MAX_ATTEMPTS times without finishing."""
    now = now or timezone.now()
    stuck = ReviewRendition.objects.filter(
        finished_at__isnull=True, attempts__gte=MAX_ATTEMPTS
    ).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    reason = f"Gave up after {MAX_ATTEMPTS} attempts (the worker log says why)."
    return stuck.update(
        state=RenditionState.FAILED, failure_reason=reason, finished_at=now, lease_until=None
    )
