"""Write decisions or audit events of a date range to a CSV or JSON file, with a progress bar."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from dashboard.workflow import record_event
from insight import exports
from insight.forms import DateRangeForm


class Command(BaseCommand):
    help = "Export decisions or audit events of a date range (days, end included) to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=exports.KINDS)
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument("--start", type=date.fromisoformat, required=True)
        parser.add_argument("--end", type=date.fromisoformat, required=True)
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        form = DateRangeForm({"start": options["start"], "end": options["end"]})
        if not form.is_valid():
            raise CommandError("; ".join(form.errors.get("__all__", ["Bad date range."])))
        span = form.date_range()
        kind, fmt = options["kind"], options["format"]
        fields, rows = exports.rows_for(kind, span)
        total = exports.count_rows(kind, span)
        bar = tqdm(rows, total=total, unit="rows", disable=options["no_progress"], file=self.stderr)
        chunks = (
            exports.csv_chunks(fields, bar) if fmt == "csv" else exports.json_chunks(fields, bar)
        )
        with options["output"].open("w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                out.write(chunk)
        record_event(
            None,
            "insight.export",
            actor_label="export_insight",
            data={"kind": kind, "format": fmt, "start": str(span.start), "end": str(span.end)},
        )
        self.stdout.write(f"Wrote {total} {kind} rows to {options['output']}.")
