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

Only the whole-frame hash travels (the crop and half-frame hashes are our own addition and
are recomputed only for clips we hash ourselves), so an imported entry matches re-encodes,
resizes, bars, colour changes and mirrors but not heavy crops or large logos.
"""

from __future__ import annotations

import csv
import io
from collections import OrderedDict

from django.db import transaction

from dashboard.workflow import record_event
from provenance.hashing import FULL, ClipHashes, hex_to_bytes
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


class ExchangeError(ValueError):
    """The CSV cannot be imported; nothing was written."""


def export_bank_csv(bank: HashBank) -> str:
    """Every frame's whole-picture hash of every entry in ``bank``, one row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
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
                    entry.external_id or entry.pk,
                    hashes.indices[i],
                    f"{hashes.times[i]:.3f}",
                    entry.decision_action,
                    ";".join(entry.labels),
                    ";".join(entry.persons),
                    entry.created_at.isoformat(),
                )
            )
    return out.getvalue()


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def import_bank_csv(bank: HashBank, text: str, actor_label: str = "import") -> list[BankEntry]:
    """Add the CSV's entries to ``bank``; all or nothing. Raises :class:`ExchangeError`."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"signal_type", "signal_value"} <= set(reader.fieldnames):
        raise ExchangeError("The CSV needs at least the columns signal_type and signal_value.")
    groups: OrderedDict[str, list[dict[str, str]]] = OrderedDict()
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise ExchangeError(f"At most {MAX_ROWS} rows per import.")
        if (row.get("signal_type") or "").strip().lower() != "pdq":
            raise ExchangeError(f"Line {line}: only signal_type pdq can be imported.")
        try:
            hex_to_bytes(row.get("signal_value") or "")
        except ValueError as exc:
            raise ExchangeError(f"Line {line}: {exc}.") from exc
        key = (row.get("entry_id") or "").strip() or f"\0row{line}"
        groups.setdefault(key, []).append(row)
    if not groups:
        raise ExchangeError("The CSV has no rows.")
    entries = []
    with transaction.atomic():
        for key, rows in groups.items():
            hashes = ClipHashes.from_full_hex([row["signal_value"] for row in rows])
            first = rows[0]
            entry = BankEntry(
                bank=bank,
                source=EntrySource.IMPORT,
                external_id="" if key.startswith("\0") else key[:200],
                decision_action=(first.get("decision") or "").strip()[:20],
                labels=_split(first.get("labels")),
                persons=_split(first.get("persons")),
            )
            entry.set_hashes(hashes)
            entry.save()
            entries.append(entry)
        record_event(
            None,
            "provenance.imported",
            actor_label=actor_label,
            data={"bank": bank.name, "entries": len(entries)},
        )
    return entries
