"""Taking in a flagged clip: validate by content, deduplicate by sha256, store, queue for scoring
and for a review rendition (an H.264 copy when browsers cannot play the upload as it is).

A photo (JPEG, PNG, WebP, GIF or animated WebP, told by its bytes) is a clip of kind `photo`:
it is judged by `detection.images.probe_image` (Pillow; byte, pixel and frame limits, a
decompression bomb refused as `image_too_large` from its header) instead of the video probe,
stored untouched as the evidence, and its "rendition" is the upright copy without metadata
(no GPS) that the desk serves.

A rejected upload leaves nothing behind: the temporary upload is removed by Django when the request
ends, and no stored file or row is written before the content passed validation. A failure after
the file was stored removes it again. Bytes seen before add a Report to the existing clip; the
result says whether the uploader may read that clip (dashboard.access), so the views answer a
caller who may not with a receipt for its own report and nothing of the clip.

A report may state the clip's reach (views or impressions on the reporting platform) and the
persons it depicts; dashboard/reports.py decides whether those apply to the clip at once or wait
for a moderator (another integration's duplicate upload waits).
"""

import hashlib
import logging
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from dashboard.access import can_read_clip
from dashboard.accounts import Uploader, uploader_for
from dashboard.constants import ClipKind, ReportReason
from dashboard.filenames import sanitize_filename
from dashboard.models import Clip, Report
from dashboard.reports import file_report, raise_reach
from dashboard.workflow import record_event
from detection.images import looks_like_image, probe_image
from detection.probe import MediaFacts, MediaLimits, MediaRejected, probe_media
from detection.tasks import enqueue_scoring_on_commit, request_rendition_on_commit

logger = logging.getLogger(__name__)

# A trillion views: beyond any platform's count, and far inside a 64-bit column.
MAX_REACH = 10**12
_ASCII_INTEGER = re.compile(r"-?[0-9]+")
_NOT_WHOLE = "Reach must be a whole number of views, like 1500000."


class InvalidReach(ValueError):
    """A stated reach that is not a whole number between 0 and MAX_REACH."""


def parse_reach(value: object) -> int | None:
    """A stated reach as an int, or None when none was given ("" or None).

    Accepts an int or a string of ASCII digits only: no booleans, fractions, exponents,
    separators or other scripts' digits. Raises InvalidReach with a message for a person.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidReach(_NOT_WHOLE)
    if isinstance(value, str):
        text = value.strip()
        if not _ASCII_INTEGER.fullmatch(text):
            raise InvalidReach(_NOT_WHOLE)
        # Never convert a megabyte of digits: the sign and the length already tell.
        value = int(text) if len(text) <= 20 else (-1 if text.startswith("-") else MAX_REACH + 1)
    if value < 0:
        raise InvalidReach("Reach cannot be negative.")
    if value > MAX_REACH:
        raise InvalidReach(f"Reach must be at most {MAX_REACH}.")
    return value


@dataclass(frozen=True)
class Submission:
    """What the reporter said about the clip, already validated by a form or serializer."""

    platform: str = ""
    source_url: str = ""
    caption: str = ""
    reason: str = ReportReason.DEEPFAKE
    note: str = ""
    subjects: tuple[str, ...] = ()
    reach: int | None = None
    # The account that posted the clip on `platform`, if the reporter named it
    # (dashboard.accounts.clean_uploader validated it).
    uploader: Uploader | None = None

    def __post_init__(self) -> None:
        # A caller that skipped the form or serializer still cannot store a nonsense reach.
        if self.reach is not None and parse_reach(self.reach) != self.reach:
            raise InvalidReach("Reach must be a whole number of views.")


@dataclass(frozen=True)
class IngestResult:
    clip: Clip
    report: Report
    created: bool
    # Whether the uploader may read `clip` (always, for a clip it just created). When not, the
    # views show only the report's receipt.
    readable: bool = True


def media_limits() -> MediaLimits:
    """The upload limits; the scoring worker's reader is bounded by the same ones."""
    return MediaLimits.from_settings(settings)


@contextmanager
def _upload_on_disk(upload: UploadedFile) -> Iterator[tuple[Path, str]]:
    """The upload as a path on disk plus its sha256, hashing only when the handler did not."""
    sha256 = getattr(upload, "sha256", "")
    if hasattr(upload, "temporary_file_path"):
        path = Path(upload.temporary_file_path())
        if not sha256:
            sha256 = _hash_file(path)
        yield path, sha256
        return
    with tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR, suffix=".upload") as tmp:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
            tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name), digest.hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _add_report(clip: Clip, submission: Submission, reporter: AbstractBaseUser | None) -> Report:
    account = None
    if submission.uploader is not None:
        account = uploader_for(submission.platform or clip.platform, submission.uploader)
    return file_report(
        clip,
        reporter,
        reason=submission.reason,
        note=submission.note,
        subjects=submission.subjects,
        reach=submission.reach,
        account=account,
    )


def report_existing(
    clip: Clip, submission: Submission, reporter: AbstractBaseUser | None
) -> Report:
    with transaction.atomic():
        return _add_report(clip, submission, reporter)


def _duplicate(
    clip: Clip, submission: Submission, reporter: AbstractBaseUser | None
) -> IngestResult:
    report = report_existing(clip, submission, reporter)
    readable = reporter is None or can_read_clip(reporter, clip)
    return IngestResult(clip, report, False, readable=readable)


def ingest_upload(
    upload: UploadedFile, submission: Submission, submitted_by: AbstractBaseUser | None
) -> IngestResult:
    """Validate and store an uploaded clip or photo, or report it again if its bytes were seen
    before.

    Raises MediaRejected with a stable code when the content is not an acceptable video or photo.
    """
    with _upload_on_disk(upload) as (path, sha256):
        existing = Clip.objects.filter(sha256=sha256).first()
        if existing is not None:
            return _duplicate(existing, submission, submitted_by)
        facts = probe_upload(path, media_limits())
        return _store_new_clip(path, sha256, facts, upload.name or "", submission, submitted_by)


def probe_upload(path: Path, limits: MediaLimits) -> MediaFacts:
    """A photo's facts (by Pillow) when its bytes start like an image, else a video's."""
    if looks_like_image(path):
        return probe_image(path, limits)
    return probe_media(path, limits)


def _store_new_clip(
    path: Path,
    sha256: str,
    facts: MediaFacts,
    original_name: str,
    submission: Submission,
    submitted_by: AbstractBaseUser | None,
) -> IngestResult:
    public_id = uuid.uuid4()
    with path.open("rb") as fh:
        stored_name = default_storage.save(
            f"clips/{public_id.hex[:2]}/{public_id.hex}.{facts.extension}", fh
        )
    try:
        with transaction.atomic():
            clip = Clip.objects.create(
                public_id=public_id,
                file=stored_name,
                kind=ClipKind.PHOTO if facts.kind == "photo" else ClipKind.VIDEO,
                original_filename=sanitize_filename(original_name),
                sha256=sha256,
                size_bytes=path.stat().st_size,
                container=facts.container,
                codec=facts.codec,
                width=facts.width,
                height=facts.height,
                fps=facts.fps,
                duration_s=facts.duration_s,
                frame_count=facts.frame_count,
                has_audio=facts.has_audio,
                source_url=submission.source_url,
                platform=submission.platform,
                caption=submission.caption,
                submitted_by=submitted_by,
            )
            record_event(
                clip,
                "clip.ingested",
                actor=submitted_by,
                data={"sha256": sha256, "size": clip.size_bytes, "media": facts.as_dict()},
            )
            report = _add_report(clip, submission, submitted_by)
            enqueue_scoring_on_commit(clip.pk)
            request_rendition_on_commit(clip, path)
    except IntegrityError:
        # The same bytes arrived at the same instant through another request: that one won.
        default_storage.delete(stored_name)
        existing = Clip.objects.filter(sha256=sha256).first()
        if existing is None:
            raise
        return _duplicate(existing, submission, submitted_by)
    except BaseException:
        default_storage.delete(stored_name)
        raise
    return IngestResult(clip, report, True)


__all__ = [
    "MAX_REACH",
    "IngestResult",
    "InvalidReach",
    "MediaRejected",
    "Submission",
    "ingest_upload",
    "parse_reach",
    "probe_upload",
    "raise_reach",
    "report_existing",
]
