"""Mark recent first decisions for a blind second opinion (what the periodic task does)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from insight.agreement import sample_recent_decisions


class Command(BaseCommand):
    help = "Mark the configured share of recent first decisions for a second opinion."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--share", type=float, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        marked = sample_recent_decisions(share=options["share"])
        self.stdout.write(f"Marked {len(marked)} clips for a second opinion.")
