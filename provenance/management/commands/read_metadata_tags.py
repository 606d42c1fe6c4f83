"""Read the metadata tags of clips matched before the metadata signals existed."""

from django.core.management.base import BaseCommand, CommandParser

from provenance.services import read_missing_metadata


class Command(BaseCommand):
    help = (
        "Read the metadata tags (IPTC source type, generation parameters, container tags) of "
        "clips that have none read yet, oldest first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="clips at most (1000)")

    def handle(self, *args: object, **options: object) -> None:
        read, failed = read_missing_metadata(int(options["limit"]))
        self.stdout.write(f"read {read} clips, {failed} unreadable")
