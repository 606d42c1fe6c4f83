"""Bulk import of authentic references: a ZIP (uploaded on the page) or a folder on the server
(the ``import_references`` command) of images, with a CSV manifest
``file,person,title,date,source``.

What this module owns:

- **The archive gate** (:func:`open_zip_import`, :func:`open_folder_import`), before anything is
  stored: a ZIP must open, hold at most ``REFERENCE_IMPORT_MAX_ENTRIES`` entries and declare at
  most ``REFERENCE_IMPORT_MAX_TOTAL_BYTES`` uncompressed; the manifest (``--csv`` / the form's
  CSV, or ``manifest.csv`` inside the ZIP) must parse, have the ``file`` and ``person`` columns and
  at most ``REFERENCE_IMPORT_MAX_ROWS`` rows. A refusal here stores nothing.
- **Per-row checks** while parsing: a row without a file or a person, a bad date (not
  ``YYYY-MM-DD``), a title or source too long, a file named twice — each refused with its line.
  Entries whose names could escape a folder (``..``, absolute, drive letters, backslashes) are
  refused and never read.
- **Per-file checks** in the job (:func:`run_import`): the entry's compression ratio (a ZIP bomb
  packs a huge file into a few KB), its size against the photo limit (read bounded, so a lying
  header does not help), and the picture by its content with the same photo limits as an upload
  (``detection.images.probe_image``). Only then, in one transaction, is the person resolved
  (``dashboard.identity.resolve_person``) and the reference registered
  (``services.do_register_reference``) with the import's progress: a refused or failed file
  leaves nothing behind, and a job re-sent after a crash carries on at the next row.
- Each registered reference is then compared with the clips already on the desk by the existing
  bounded task (``tasks.match_desk_on_commit``).

The report is a list of ``{line, file, code, message}``: one entry per refusal.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dashboard.errors import ServiceError
from dashboard.identity import resolve_person
from dashboard.roles import is_moderator
from detection.images import probe_image
from detection.probe import MediaLimits, MediaRejected
from detection.storage_io import local_path
from provenance.models import ImportState, ReferenceImport

MANIFEST_NAME = "manifest.csv"
COLUMNS = ("file", "person", "title", "date", "source")
REQUIRED_COLUMNS = ("file", "person")
# Rows handled per run of the job; the job sends itself again for the rest (each run stays
# well inside its time limit, and progress is saved after every row).
IMPORT_BATCH = 100
MAX_MANIFEST_BYTES = 5 * 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe_name() -> str:  # noqa: N802 - reads like the constant sentence it is
    return _("The file name leaves the folder; it is not read.")


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_entries() -> int:
    return _limit("REFERENCE_IMPORT_MAX_ENTRIES", 20_000)


def max_total_bytes() -> int:
    return _limit("REFERENCE_IMPORT_MAX_TOTAL_BYTES", 8 * 1024 * 1024 * 1024)


def max_ratio() -> int:
    # Photos barely compress (JPEG, PNG, WebP are compressed already): a hundredfold entry is
    # not a photo but a bomb.
    return _limit("REFERENCE_IMPORT_MAX_RATIO", 100)


def max_rows() -> int:
    return _limit("REFERENCE_IMPORT_MAX_ROWS", 20_000)


class ImportRefused(ServiceError):
    """The archive or its manifest as a whole was refused; nothing was stored."""


def _refusal(line: int | None, file: str, code: str, message: str) -> dict[str, Any]:
    return {"line": line, "file": file, "code": code, "message": message}


def is_safe_name(name: str) -> bool:
    """Whether an archive or manifest name stays inside the folder it is unpacked into."""
    if not name or "\x00" in name or "\\" in name or _DRIVE.match(name):
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts


# --- the manifest --------------------------------------------------------------------------


def parse_manifest(text: str) -> list[dict[str, Any]]:
    """The manifest's rows, each with ``line`` and, when the row itself is refused, ``error``.

    Raises ImportRefused when the CSV cannot be read at all or lacks a required column.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), strict=True)
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise ImportRefused(
                "manifest_columns",
                _("The CSV needs the columns file and person (and may have title, date, source)."),
            )
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows():
                raise ImportRefused(
                    "too_many_rows",
                    _("The CSV has more than %(limit)s rows.") % {"limit": max_rows()},
                )
            rows.append(_parse_row(line, header, cells, seen))
    except csv.Error as exc:
        raise ImportRefused(
            "unreadable_csv", _("The CSV cannot be read: %(error)s") % {"error": exc}
        ) from exc
    if not rows:
        raise ImportRefused("empty_manifest", _("The CSV lists no files."))
    return rows


def _parse_row(line: int, header: list[str], cells: list[str], seen: set[str]) -> dict[str, Any]:
    if len(cells) != len(header):
        return {
            "line": line,
            "file": cells[0].strip() if cells else "",
            "error": (
                "bad_row",
                _("The row has %(got)s cells; the header has %(want)s.")
                % {"got": len(cells), "want": len(header)},
            ),
        }
    values = {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
    row: dict[str, Any] = {"line": line, **{c: values.get(c, "") for c in COLUMNS}}
    error: tuple[str, str] | None = None
    if not row["file"]:
        error = ("file_required", _("The row names no file."))
    elif not is_safe_name(row["file"]):
        error = ("unsafe_name", _unsafe_name())
    elif row["file"] in seen:
        error = ("duplicate_file", _("The file is listed on an earlier row already."))
    elif not row["person"]:
        error = ("person_required", _("The row names no person."))
    elif len(row["title"]) > 200:
        error = ("title_too_long", _("The title is longer than 200 characters."))
    elif len(row["source"]) > 300:
        error = ("source_too_long", _("The source is longer than 300 characters."))
    elif row["date"]:
        try:
            date.fromisoformat(row["date"])
        except ValueError:
            error = ("bad_date", _("The date must be written YYYY-MM-DD."))
    if row["file"]:
        seen.add(row["file"])
    if error:
        row["error"] = error
    return row


def _read_manifest(handle: IO[bytes]) -> str:
    raw = handle.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ImportRefused("manifest_too_large", _("The CSV is larger than 5 MB."))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportRefused("manifest_encoding", _("The CSV must be UTF-8.")) from exc


# --- opening an import ---------------------------------------------------------------------


def _check_user(user: AbstractBaseUser) -> None:
    if not is_moderator(user):
        raise ImportRefused("forbidden", _("Only moderators register references."), 403)


def _zip_gate(archive: zipfile.ZipFile) -> list[dict[str, Any]]:
    """Refuse a ZIP that is too big as a whole; the refusals of single unsafe entries."""
    infos = archive.infolist()
    if len(infos) > max_entries():
        raise ImportRefused(
            "too_many_entries",
            _("The ZIP holds more than %(limit)s files.") % {"limit": max_entries()},
        )
    if sum(info.file_size for info in infos) > max_total_bytes():
        raise ImportRefused(
            "archive_too_large",
            _("The ZIP unpacks to more than %(limit)s bytes.") % {"limit": max_total_bytes()},
        )
    return [
        _refusal(None, info.filename, "unsafe_name", _unsafe_name())
        for info in infos
        if not is_safe_name(info.filename)
    ]


def open_zip_import(
    upload: File, user: AbstractBaseUser, manifest: File | None = None
) -> ReferenceImport:
    """Check an uploaded ZIP and its manifest (``manifest`` or ``manifest.csv`` inside) and
    store the import, its job sent once this commits; ImportRefused stores nothing."""
    _check_user(user)
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused("not_a_zip", _("The upload is not a ZIP archive.")) from exc
    with archive:
        unsafe = _zip_gate(archive)
        if manifest is not None:
            text = _read_manifest(manifest)
        else:
            try:
                info = archive.getinfo(MANIFEST_NAME)
            except KeyError as exc:
                raise ImportRefused(
                    "manifest_missing",
                    _("Add the CSV, or put manifest.csv at the top of the ZIP."),
                ) from exc
            with archive.open(info) as handle:
                text = _read_manifest(handle)
    rows = parse_manifest(text)
    # An unsafe entry a row names is reported once, on that row's line.
    named = {row["file"] for row in rows}
    unsafe = [refusal for refusal in unsafe if refusal["file"] not in named]
    upload.seek(0)
    with transaction.atomic():
        job = ReferenceImport(
            created_by=user,
            name=(upload.name or "references.zip")[:200],
            language=translation.get_language() or "",
            rows=rows,
            total=len(rows),
            report=unsafe,
        )
        job.archive.save("import.zip", upload, save=False)
        job.save()
        _send_on_commit(job.pk)
    return job


def open_folder_import(folder: Path, manifest: Path, user: AbstractBaseUser) -> ReferenceImport:
    """A folder on the server with its manifest (the command); files are read from the folder
    when the job runs, never from outside it."""
    _check_user(user)
    if not folder.is_dir():
        raise ImportRefused("not_a_folder", _("The path is not a folder."))
    with manifest.open("rb") as handle:
        rows = parse_manifest(_read_manifest(handle))
    with transaction.atomic():
        job = ReferenceImport.objects.create(
            created_by=user,
            folder=str(folder.resolve()),
            name=folder.name[:200],
            language=translation.get_language() or "",
            rows=rows,
            total=len(rows),
        )
        _send_on_commit(job.pk)
    return job


def _send_on_commit(import_id: int) -> None:
    from provenance import tasks  # the tasks module imports this one

    tasks.import_on_commit(import_id)


# --- the job -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileRefused(Exception):
    code: str
    message: str


def _too_large(limit: int) -> FileRefused:
    return FileRefused(
        "too_large", _("The image is larger than the limit of %(limit)s bytes.") % {"limit": limit}
    )


def _bytes_from_zip(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise FileRefused("file_missing", _("The ZIP holds no file of this name.")) from exc
    if info.is_dir():
        raise FileRefused("file_missing", _("The ZIP holds no file of this name."))
    if info.file_size > limit:
        raise _too_large(limit)
    if info.file_size > max(1, info.compress_size) * max_ratio():
        raise FileRefused(
            "compression_ratio",
            _("The file unpacks to over %(ratio)s times its packed size: refused as a ZIP bomb.")
            % {"ratio": max_ratio()},
        )
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)  # bounded: a header may understate the real size
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
        raise FileRefused("unreadable_entry", _("The file cannot be unpacked.")) from exc
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _bytes_from_folder(folder: Path, name: str, limit: int) -> bytes:
    path = (folder / name).resolve()
    if not path.is_relative_to(folder):  # a symlink pointing out of the folder
        raise FileRefused("unsafe_name", _unsafe_name())
    if not path.is_file():
        raise FileRefused("file_missing", _("The folder holds no file of this name."))
    if path.stat().st_size > limit:
        raise _too_large(limit)
    with path.open("rb") as handle:
        return handle.read(limit + 1)


def _check_image(data: bytes, limits: MediaLimits) -> None:
    """The picture judged by its content, with the limits of a photo upload."""
    with tempfile.NamedTemporaryFile(suffix=".upload") as temp:
        temp.write(data)
        temp.flush()
        try:
            probe_image(temp.name, limits)
        except MediaRejected as exc:
            raise FileRefused(exc.code, exc.message) from exc


def _register_row(job: ReferenceImport, row: dict[str, Any], data: bytes) -> int | str:
    """Register one checked file; the new entry's id, or a refusal recorded on the job."""
    from provenance import services, tasks

    with transaction.atomic():
        locked = ReferenceImport.objects.select_for_update().get(pk=job.pk)
        if locked.done != job.done:  # another run took this row
            return "taken"
        try:
            with transaction.atomic():
                person = resolve_person(row["person"])
                entry = services.do_register_reference(
                    person,
                    row["title"],
                    ContentFile(data, name=PurePosixPath(row["file"]).name),
                    job.created_by,
                    date=date.fromisoformat(row["date"]) if row["date"] else None,
                    source=row["source"],
                    audit={"import": job.pk, "file": row["file"]},
                )
        except ServiceError as exc:
            locked.report.append(_refusal(row["line"], row["file"], exc.code, exc.message))
        else:
            locked.entries.append(entry.pk)
            tasks.match_desk_on_commit(entry.pk)
        locked.done += 1
        locked.save(update_fields=["done", "report", "entries"])
    job.refresh_from_db()
    return "ok"


def _refuse_row(job: ReferenceImport, row: dict[str, Any], code: str, message: str) -> None:
    with transaction.atomic():
        locked = ReferenceImport.objects.select_for_update().get(pk=job.pk)
        if locked.done == job.done:
            locked.report.append(_refusal(row["line"], row["file"], code, message))
            locked.done += 1
            locked.save(update_fields=["done", "report"])
    job.refresh_from_db()


def run_import(import_id: int, batch: int = IMPORT_BATCH) -> bool:
    """Work through up to ``batch`` rows from where the import stopped; True when rows remain.

    Idempotent: a finished import does nothing, and progress is saved after every row. The
    report's sentences are written in the language the import was asked for in.
    """
    job = ReferenceImport.objects.get(pk=import_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _run(job, batch)


def _run(job: ReferenceImport, batch: int) -> bool:
    if job.state == ImportState.DONE:
        return False
    if job.state == ImportState.PENDING:
        ReferenceImport.objects.filter(pk=job.pk).update(state=ImportState.RUNNING)
    limits = MediaLimits.from_settings(settings)
    limit = limits.max_image_bytes
    with _source(job) as read:
        for _step in range(batch):
            if job.done >= len(job.rows):
                break
            row = job.rows[job.done]
            if "error" in row:
                code, message = row["error"]
                _refuse_row(job, row, code, message)
                continue
            try:
                data = read(row["file"], limit)
                _check_image(data, limits)
            except FileRefused as exc:
                _refuse_row(job, row, exc.code, exc.message)
                continue
            _register_row(job, row, data)
    if job.done >= len(job.rows):
        ReferenceImport.objects.filter(pk=job.pk).update(
            state=ImportState.DONE, finished_at=timezone.now()
        )
        if job.archive:
            # Every good file is stored with its reference now; the ZIP (often gigabytes) goes.
            job.archive.delete(save=False)
            ReferenceImport.objects.filter(pk=job.pk).update(archive="")
        return False
    return True


class _source:
    """Reads the import's files by name: from its stored ZIP, or from its server folder."""

    def __init__(self, job: ReferenceImport) -> None:
        self.job = job
        self._stack: Any = None

    def __enter__(self) -> Any:
        if self.job.folder:
            folder = Path(self.job.folder)
            return lambda name, limit: _bytes_from_folder(folder, name, limit)
        self._stack = local_path(self.job.archive.storage, self.job.archive.name, suffix=".zip")
        path = self._stack.__enter__()
        self._zip = zipfile.ZipFile(path)
        return lambda name, limit: _bytes_from_zip(self._zip, name, limit)

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._zip.close()
            self._stack.__exit__(None, None, None)


def report_counts(job: ReferenceImport) -> dict[str, int]:
    """What the progress page shows: rows done of the total, registered, refused."""
    return {
        "done": job.done,
        "total": job.total,
        "registered": len(job.entries),
        "refused": len(job.report),
    }
