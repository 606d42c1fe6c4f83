"""Export a bank as PDQ hash CSV (HMA / ThreatExchange shape, see provenance.exchange)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from provenance.exchange import export_bank_csv
from provenance.models import HashBank


class Command(BaseCommand):
    help = "Write a bank's hashes as CSV to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bank", help="bank name")

    def handle(self, *args: object, **options: object) -> None:
        bank = HashBank.objects.filter(name=options["bank"]).first()
        if bank is None:
            raise CommandError(f"No bank named {options['bank']!r}.")
        self.stdout.write(export_bank_csv(bank), ending="")
