"""`manage.py retention_sweep [--dry-run]`: erase the media retention policies say is due, and
print what was (or, with --dry-run, would be) deleted and why."""

from django.core.management.base import BaseCommand, CommandParser

from retention.services import format_report, run_sweep


class Command(BaseCommand):
    help = "Delete media due under the retention policies; --dry-run only reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be deleted; delete nothing."
        )
        parser.add_argument(
            "--quiet", action="store_true", help="Leave out clips the policies keep indefinitely."
        )

    def handle(self, *args: object, **options: object) -> None:
        report = run_sweep(dry_run=bool(options["dry_run"]))
        for line in format_report(report, verbose=not options["quiet"]):
            self.stdout.write(line)
