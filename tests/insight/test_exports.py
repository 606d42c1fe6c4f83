"""Exports: the command writes the same rows as the web view, with memory that stays flat."""

import csv
import io
import json
import tracemalloc
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.models import AuditEvent
from insight import exports
from insight.metrics import DateRange
from tests.insight.helpers import clip_at, decide


def test_command_writes_csv_and_json(tmp_path, moderator):
    now = timezone.now()
    clip = clip_at(now - timedelta(hours=2), ClipStatus.IN_REVIEW, platform="tube")
    decide(clip, moderator, DecisionAction.LABEL, now - timedelta(hours=1), labels=("face-swap",))
    # The range starts on the day of the clip's arrival: shortly after midnight that is yesterday.
    first = timezone.localdate(now - timedelta(hours=2)).isoformat()
    today = timezone.localdate().isoformat()
    out = tmp_path / "decisions.csv"
    stdout = io.StringIO()
    call_command(
        "export_insight", "decisions", "--start", first, "--end", today, "--output", str(out),
        "--no-progress", stdout=stdout,
    )  # fmt: skip
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 1
    assert rows[0]["action"] == "label" and rows[0]["labels"] == "face-swap"
    assert rows[0]["clip"] == clip.public_id.hex and rows[0]["moderator"] == "moderator"
    assert "Wrote 1 decisions rows" in stdout.getvalue()
    assert AuditEvent.objects.filter(action="insight.export", actor_label="export_insight").exists()

    out_json = tmp_path / "audit.json"
    call_command(
        "export_insight", "audit", "--format", "json", "--start", first, "--end", today,
        "--output", str(out_json), stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    events = json.loads(out_json.read_text())
    actions = [e["action"] for e in events]
    # The decision's own audit trail is exported with the export's one event.
    assert "decision.label" in actions
    assert [a for a in actions if a.startswith("insight.")] == ["insight.export"]


def test_json_and_csv_of_no_rows_are_valid(db):
    span = DateRange(timezone.now() - timedelta(days=1), timezone.now())
    assert json.loads("".join(exports.export_chunks("decisions", "json", span))) == []
    assert "".join(exports.export_chunks("audit", "csv", span)).strip() == ",".join(
        exports.AUDIT_FIELDS
    )


def _peak_bytes(span: DateRange) -> tuple[int, int]:
    tracemalloc.start()
    lines = sum(1 for _ in exports.export_chunks("audit", "csv", span))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return lines, peak


def test_memory_stays_flat_as_rows_grow(db):
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        AuditEvent(action="test.bulk", actor_label="bench", created_at=now - timedelta(seconds=i))
        for i in range(24_000)
    )
    small = DateRange(now - timedelta(seconds=3_000), now + timedelta(seconds=1))
    large = DateRange(now - timedelta(days=1), now + timedelta(seconds=1))
    small_lines, small_peak = _peak_bytes(small)
    large_lines, large_peak = _peak_bytes(large)
    assert (small_lines, large_lines) == (
        3_002,
        24_001,
    )  # header + rows (i = 0..3000 is 3,001 rows)
    # Eight times the rows, not eight times the memory: the peak is one chunk of rows.
    assert large_peak < small_peak * 2, (small_peak, large_peak)
