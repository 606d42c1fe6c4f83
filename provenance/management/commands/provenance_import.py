"""Import a PDQ hash CSV (HMA / ThreatExchange shape, see provenance.exchange) into a bank."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from provenance.exchange import ExchangeError, import_bank_csv
from provenance.models import HashBank


class Command(BaseCommand):
    help = "Import a PDQ hash CSV into a bank (created if missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bank", help="bank name")
        parser.add_argument("csv_path", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["csv_path"]  # type: ignore[assignment]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        bank, _ = HashBank.objects.get_or_create(name=options["bank"])
        try:
            entries = import_bank_csv(
                bank, path.read_text(encoding="utf-8"), actor_label="command:provenance_import"
            )
        except ExchangeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Imported {len(entries)} entries into {bank.name}.")
