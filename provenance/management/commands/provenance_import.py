"""Import a PDQ hash CSV (HMA / ThreatExchange shape, see provenance.exchange) into a bank."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from provenance.exchange import ExchangeError, do_import_bank


class Command(BaseCommand):
    help = "Import a PDQ hash CSV into a bank (created if missing, and only if the file is valid)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bank", help="bank name")
        parser.add_argument("csv_path", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["csv_path"]  # type: ignore[assignment]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            with path.open("rb") as handle:
                bank, entries = do_import_bank(
                    str(options["bank"]), handle, actor_label="command:provenance_import"
                )
        except ExchangeError as exc:
            raise CommandError(f"Nothing imported. {exc.message}") from exc
        self.stdout.write(f"Imported {len(entries)} entries into {bank.name}.")
