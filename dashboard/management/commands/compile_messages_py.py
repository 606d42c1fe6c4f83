"""Compile the translation catalogs (locale/*/LC_MESSAGES/*.po) into .mo files in pure Python.

Django's `compilemessages` runs GNU gettext's msgfmt, which a moderator's or operator's machine
need not have; polib (a dev requirement) writes the same binary format. The .mo files are
committed, so running the desk needs neither; `--check` fails when one is out of date with its
.po (the test suite runs it).
"""

from pathlib import Path
from typing import Any

import polib  # requirements-dev.txt: only whoever edits a catalog compiles it
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def catalogs() -> list[Path]:
    """Every .po file under the project's LOCALE_PATHS."""
    return sorted(
        po for root in settings.LOCALE_PATHS for po in Path(root).glob("*/LC_MESSAGES/*.po")
    )


def compiled(po_path: Path) -> bytes:
    """The .mo bytes of one catalog: translated, non-fuzzy entries only, as msgfmt writes them."""
    return polib.pofile(str(po_path)).to_binary()


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files without GNU gettext."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Fail if a .mo file is missing or out of date."
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        stale = []
        for po_path in catalogs():
            mo_path = po_path.with_suffix(".mo")
            data = compiled(po_path)
            if mo_path.exists() and mo_path.read_bytes() == data:
                continue
            if check:
                stale.append(str(mo_path))
                continue
            mo_path.write_bytes(data)
            self.stdout.write(f"compiled {mo_path}")
        if stale:
            raise CommandError(
                f"out of date: {', '.join(stale)}; run: python manage.py compile_messages_py"
            )
