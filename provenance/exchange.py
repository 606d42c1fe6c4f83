"""Sharing hash banks as CSV, in the shape HMA and ThreatExchange exchange PDQ hashes.

One row per hashed frame. HMA names a hash by ``signal_type`` and ``signal_value`` (the
64-digit hex PDQ hash); the other columns carry our metadata and may be empty on import:

==============  ========================================================================
column          meaning
==============  ========================================================================
signal_type     ``pdq`` (rows of any other type are refused: we only match PDQ)
signal_value    the frame's PDQ hash, 64 hex digits, first bit most significant
entry_id        groups the frames of one video (our entry id on export; any text on
                import; empty: the row is an entry of its own, e.g. a single image)
frame_index     the frame's index in its video
time_s          the frame's time in seconds
decision        the decision that banked it (``label``, ``remove``, ...)
labels          label slugs, separated by ``;``
persons         names of people depicted, separated by ``;``
created_at      when the entry was banked (ISO 8601)
==============  ========================================================================

Import is strict and all or nothing (:func:`parse_bank_csv` checks everything before anything
is written): the file must be UTF-8 (a BOM is fine), at most ``MAX_IMPORT_BYTES`` and
``MAX_ROWS`` rows; every field is checked (64 hex digits, frame index and time in range, a
decision among the desk's actions, bounded labels and persons, no control characters), and a
refusal lists the rows at fault, each with a stable code. Text cells are written through the
desk's one CSV writer (:mod:`dashboard.csvsafe`), which defuses spreadsheet formulas, and
restored on import, so an export imports back unchanged.

Only the whole-frame hash travels (the crop and half-frame hashes are our own addition and
are recomputed only for clips we hash ourselves), so an imported entry matches re-encodes,
resizes, bars, colour changes and mirrors but not heavy crops or large logos.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from django.db import transaction

from dashboard.constants import DecisionAction
from dashboard.csvsafe import SafeWriter, restore_cell
from dashboard.errors import ServiceError
from dashboard.workflow import record_event
from provenance.hashing import FULL, ClipHashes
from provenance.models import BankEntry, EntrySource, HashBank

COLUMNS = (
    "signal_type",
    "signal_value",
    "entry_id",
    "frame_index",
    "time_s",
    "decision",
    "labels",
    "persons",
    "created_at",
)
MAX_ROWS = 1_000_000
MAX_IMPORT_BYTES = 256 * 1024 * 1024
MAX_FIELD_CHARS = 2000  # no column of ours needs more; a longer one is refused by row
MAX_FRAMES_PER_ENTRY = 10_000
MAX_FRAME_INDEX = 100_000_000
MAX_TIME_S = 7 * 24 * 3600.0
MAX_ITEMS = 50  # labels or persons of one entry
MAX_LABEL_CHARS = 50
MAX_PERSON_CHARS = 200
MAX_ENTRY_ID_CHARS = 200
MAX_REPORTED_ERRORS = 20
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_INDEX = re.compile(r"\d{1,9}")
_TIME = re.compile(r"\d{1,9}(?:\.\d{1,6})?")
# C0 and C1 controls (NUL included) and DEL: no exchanged value has them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DECISIONS = frozenset(DecisionAction.values)


@dataclass(frozen=True)
class RowError:
    """One fault of an import: the CSV record (1 is the header; 0 the file as a whole), a
    stable code, a sentence."""

    row: int
    code: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        return f"{where} ({self.code}): {self.message}"


class ExchangeError(ServiceError):
    """The CSV cannot be imported; nothing was written. ``errors`` lists the rows at fault."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "; ".join(str(error) for error in errors[:MAX_REPORTED_ERRORS])
        more = len(errors) - MAX_REPORTED_ERRORS
        message = shown + (f"; and {more} more" if more > 0 else "")
        super().__init__(errors[0].code if len(errors) == 1 else "invalid_import", message, 400)


@dataclass(frozen=True)
class ParsedEntry:
    """One entry of a valid CSV, ready to be written."""

    external_id: str
    hashes: ClipHashes
    decision_action: str
    labels: list[str]
    persons: list[str]


def export_bank_csv(bank: HashBank) -> str:
    """Every frame's whole-picture hash of every entry in ``bank``, one row each."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in bank.entries.order_by("id").iterator():
        hashes = entry.hashes
        for i, value in enumerate(hashes.full_hex()):
            if not hashes.valid[i, FULL]:
                continue
            writer.writerow(
                (
                    "pdq",
                    value,
                    entry.external_id or str(entry.pk),
                    hashes.indices[i],
                    f"{hashes.times[i]:.3f}",
                    entry.decision_action,
                    ";".join(entry.labels),
                    ";".join(entry.persons),
                    entry.created_at.isoformat(),
                )
            )
    return out.getvalue()


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _read_capped(source: str | bytes | BinaryIO, max_bytes: int) -> bytes:
    """The file's bytes, read no further than one byte past the cap."""
    if isinstance(source, str):
        data = source.encode("utf-8")
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ExchangeError([RowError(0, "too_large", f"The file is over {max_bytes} bytes.")])
    return data


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise ExchangeError(
            [RowError(row, "not_utf8", "The file is not UTF-8 text (save it as UTF-8 CSV).")]
        ) from exc


def _check_row(line: int, row: dict[str, str]) -> tuple[dict[str, object], list[RowError]]:
    """The row's values, or what is wrong with it."""
    errors: list[RowError] = []

    def fail(code: str, message: str) -> None:
        errors.append(RowError(line, code, message))

    for name, value in row.items():
        if len(value) > MAX_FIELD_CHARS:
            fail("field_too_long", f"{name} is over {MAX_FIELD_CHARS} characters.")
        elif _CONTROL.search(value):
            fail("control_character", f"{name} holds a control character (NUL, ...).")
    if errors:
        return {}, errors
    get = {name: restore_cell(row.get(name, "")).strip() for name in COLUMNS}
    if get["signal_type"].lower() != "pdq":
        fail("unsupported_signal", "Only signal_type pdq can be imported.")
    if not _HEX64.fullmatch(get["signal_value"]):
        fail("bad_hash", "signal_value must be exactly 64 hex digits.")
    if len(get["entry_id"]) > MAX_ENTRY_ID_CHARS:
        fail("bad_entry_id", f"entry_id is over {MAX_ENTRY_ID_CHARS} characters.")
    index = None
    if get["frame_index"]:
        if not _INDEX.fullmatch(get["frame_index"]) or int(get["frame_index"]) > MAX_FRAME_INDEX:
            fail("bad_frame_index", f"frame_index must be a whole number 0-{MAX_FRAME_INDEX}.")
        else:
            index = int(get["frame_index"])
    time_s = None
    if get["time_s"]:
        ok = _TIME.fullmatch(get["time_s"])
        time_s = float(get["time_s"]) if ok else math.nan
        if not ok or time_s > MAX_TIME_S:
            fail("bad_time", f"time_s must be seconds from 0 to {MAX_TIME_S:.0f}.")
    if get["decision"] and get["decision"] not in _DECISIONS:
        fail("bad_decision", f"decision must be one of {', '.join(sorted(_DECISIONS))}.")
    labels, persons = _split(get["labels"]), _split(get["persons"])
    if len(labels) > MAX_ITEMS or any(len(label) > MAX_LABEL_CHARS for label in labels):
        fail("bad_labels", f"At most {MAX_ITEMS} labels of {MAX_LABEL_CHARS} characters.")
    if len(persons) > MAX_ITEMS or any(len(person) > MAX_PERSON_CHARS for person in persons):
        fail("bad_persons", f"At most {MAX_ITEMS} persons of {MAX_PERSON_CHARS} characters.")
    if get["created_at"]:
        try:
            datetime.fromisoformat(get["created_at"])
        except ValueError:
            fail("bad_created_at", "created_at must be an ISO 8601 date and time.")
    values = {
        **get,
        "signal_value": get["signal_value"].lower(),
        "frame_index": index,
        "time_s": time_s,
        "labels": labels,
        "persons": persons,
    }
    return values, errors


def parse_bank_csv(
    source: str | bytes | BinaryIO, *, max_bytes: int = MAX_IMPORT_BYTES, max_rows: int = MAX_ROWS
) -> list[ParsedEntry]:
    """Check a whole CSV and return its entries; raises :class:`ExchangeError` listing faults.

    Touches no database. ``source`` is text, bytes or a binary file (read up to the cap).
    """
    text = _decode(_read_capped(source, max_bytes))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[RowError] = []
    groups: OrderedDict[str, list[dict[str, object]]] = OrderedDict()
    line = 0  # the last record read
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if not {"signal_type", "signal_value"} <= set(header) or len(set(header)) != len(header):
            raise ExchangeError(
                [
                    RowError(
                        1,
                        "missing_columns",
                        "The header needs the columns signal_type and signal_value, once each.",
                    )
                ]
            )
        line = 1
        for line, cells in enumerate(reader, start=2):  # noqa: B007 - read after an error
            if line > max_rows + 1:
                errors.append(RowError(line, "too_many_rows", f"At most {max_rows} rows."))
                break
            if not cells:
                continue
            if len(cells) != len(header):
                errors.append(
                    RowError(line, "bad_row", f"{len(cells)} cells for {len(header)} columns.")
                )
            else:
                values, row_errors = _check_row(line, dict(zip(header, cells, strict=True)))
                errors.extend(row_errors)
                if not row_errors:
                    key = str(values["entry_id"]) or f"\0row{line}"
                    frames = groups.setdefault(key, [])
                    frames.append(values)
                    if len(frames) > MAX_FRAMES_PER_ENTRY:
                        errors.append(
                            RowError(line, "too_many_frames", "Too many frames for one entry.")
                        )
            if len(errors) >= MAX_REPORTED_ERRORS * 5:
                break
    except csv.Error as exc:
        # The csv module stops at a field over its size limit or a stray quote.
        errors.append(RowError(line + 1, "unreadable_csv", str(exc)))
    if errors:
        raise ExchangeError(errors)
    if not groups:
        raise ExchangeError([RowError(0, "no_rows", "The CSV has no rows.")])
    return [_entry(key, rows) for key, rows in groups.items()]


def _entry(key: str, rows: list[dict[str, object]]) -> ParsedEntry:
    hashes = ClipHashes.from_full_hex([str(row["signal_value"]) for row in rows])
    if all(row["frame_index"] is not None for row in rows):
        hashes = dataclasses.replace(hashes, indices=tuple(int(r["frame_index"]) for r in rows))
    if all(row["time_s"] is not None for row in rows):
        hashes = dataclasses.replace(hashes, times=tuple(float(r["time_s"]) for r in rows))
    first = rows[0]
    return ParsedEntry(
        external_id="" if key.startswith("\0") else key,
        hashes=hashes,
        decision_action=str(first["decision"]),
        labels=list(first["labels"]),  # type: ignore[call-overload]
        persons=list(first["persons"]),  # type: ignore[call-overload]
    )


def _write(bank: HashBank, parsed: Iterable[ParsedEntry], actor_label: str) -> list[BankEntry]:
    entries = []
    for item in parsed:
        entry = BankEntry(
            bank=bank,
            source=EntrySource.IMPORT,
            external_id=item.external_id,
            decision_action=item.decision_action,
            labels=item.labels,
            persons=item.persons,
        )
        entry.set_hashes(item.hashes)
        entry.save()
        entries.append(entry)
    record_event(
        None,
        "provenance.imported",
        actor_label=actor_label,
        data={"bank": bank.name, "entries": len(entries)},
    )
    return entries


def import_bank_csv(
    bank: HashBank, source: str | bytes | BinaryIO, actor_label: str = "import"
) -> list[BankEntry]:
    """Add the CSV's entries to ``bank``; all or nothing. Raises :class:`ExchangeError`."""
    parsed = parse_bank_csv(source)
    with transaction.atomic():
        return _write(bank, parsed, actor_label)


def do_import_bank(
    name: str, source: str | bytes | BinaryIO, actor_label: str = "import"
) -> tuple[HashBank, list[BankEntry]]:
    """Import into the bank called ``name``, created (with the entries) only if all is valid."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ExchangeError([RowError(0, "bad_bank_name", "A bank name has 1-100 characters.")])
    parsed = parse_bank_csv(source)
    with transaction.atomic():
        bank, _ = HashBank.objects.get_or_create(name=name)
        return bank, _write(bank, parsed, actor_label)
