"""Decisions and audit events of a date range as streamed CSV or JSON, for transparency reports.

Rows come from `.iterator(chunk_size=...)` and are turned into text one at a time, so memory
stays flat however many rows the range holds; the web view and the `export_insight` command
share these generators. Moderators' notes and audit payloads are left out on purpose: they
can name people and are not part of what platforms publish.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from dashboard.csvsafe import csv_lines
from dashboard.models import AuditEvent, Decision
from insight.metrics import DateRange

CHUNK = 2000
KINDS = ("decisions", "audit")
FORMATS = ("csv", "json")

DECISION_FIELDS = (
    "id",
    "created_at",
    "clip",
    "platform",
    "action",
    "labels",
    "reason",
    "moderator",
    "model",
    "model_version",
    "score",
    "threshold",
)
AUDIT_FIELDS = ("id", "created_at", "clip", "actor", "action", "from_status", "to_status")


def decisions_in(span: DateRange) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(created_at__gte=span.start, created_at__lt=span.end)
        .select_related("clip", "moderator")
        .prefetch_related("labels")
        .order_by("created_at", "id")
    )


def audit_events_in(span: DateRange) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(created_at__gte=span.start, created_at__lt=span.end).order_by(
        "created_at", "id"
    )


def count_rows(kind: str, span: DateRange) -> int:
    return (decisions_in(span) if kind == "decisions" else audit_events_in(span)).count()


def decision_rows(span: DateRange) -> Iterator[dict[str, Any]]:
    # prefetch_related works with iterator() when chunk_size is given: one label query a chunk.
    for d in decisions_in(span).iterator(chunk_size=CHUNK):
        evidence = d.evidence or {}
        yield {
            "id": d.pk,
            "created_at": d.created_at,
            "clip": d.clip.public_id.hex,
            "platform": d.clip.platform,
            "action": d.action,
            "labels": ";".join(sorted(label.slug for label in d.labels.all())),
            "reason": d.reason,
            "moderator": d.decided_by,
            "model": evidence.get("model", ""),
            "model_version": evidence.get("model_version", ""),
            "score": evidence.get("score"),
            "threshold": evidence.get("threshold"),
        }


def audit_rows(span: DateRange) -> Iterator[dict[str, Any]]:
    rows = audit_events_in(span).values_list(
        "id",
        "created_at",
        "clip__public_id",
        "actor__username",
        "actor_label",
        "action",
        "from_status",
        "to_status",
    )
    for pk, created_at, clip, actor, label, action, from_status, to_status in rows.iterator(
        chunk_size=CHUNK
    ):
        yield {
            "id": pk,
            "created_at": created_at,
            "clip": clip.hex if clip else "",
            "actor": actor or label or "system",
            "action": action,
            "from_status": from_status,
            "to_status": to_status,
        }


def rows_for(kind: str, span: DateRange) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    if kind == "decisions":
        return DECISION_FIELDS, decision_rows(span)
    if kind == "audit":
        return AUDIT_FIELDS, audit_rows(span)
    raise ValueError(f"Unknown export {kind!r}.")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def csv_chunks(fields: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV through the desk's one writer: reporter-supplied text cannot run as a formula."""
    return csv_lines(fields, ([_plain(row[f]) for f in fields] for row in rows))


def json_chunks(fields: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array, one object per line, written as the rows arrive."""
    yield "["
    separator = "\n"
    for row in rows:
        yield separator + json.dumps({f: _plain(row[f]) for f in fields}, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def export_chunks(kind: str, fmt: str, span: DateRange) -> Iterator[str]:
    fields, rows = rows_for(kind, span)
    if fmt == "csv":
        return csv_chunks(fields, rows)
    if fmt == "json":
        return json_chunks(fields, rows)
    raise ValueError(f"Unknown format {fmt!r}.")
