"""Bulk-import authentic references from a folder (or ZIP) on the server with a CSV manifest."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.errors import ServiceError
from provenance import refimport


class Command(BaseCommand):
    help = (
        "Import authentic references: PATH is a folder or a ZIP of images, --csv the manifest "
        "(file, person, title, date, source). Runs as a Celery job unless --here is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--csv", type=Path, help="the manifest (default: manifest.csv in PATH)")
        parser.add_argument("--user", required=True, help="the moderator the import is made by")
        parser.add_argument(
            "--here", action="store_true", help="run the import in this process, not the worker"
        )

    def handle(self, *args: object, **options: object) -> None:
        # Paths again: call_command's keyword options skip argparse's type.
        path = Path(str(options["path"]))
        manifest = Path(str(options["csv"])) if options["csv"] else None
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        try:
            if path.is_dir():
                manifest = manifest or path / refimport.MANIFEST_NAME
                if not manifest.is_file():
                    raise CommandError(f"{manifest}: no such file")
                job = refimport.open_folder_import(path, manifest, user)
            elif path.is_file():
                with path.open("rb") as archive:
                    if manifest is None:
                        job = refimport.open_zip_import(File(archive, name=path.name), user)
                    else:
                        with manifest.open("rb") as csv_file:
                            job = refimport.open_zip_import(
                                File(archive, name=path.name), user, File(csv_file)
                            )
            else:
                raise CommandError(f"{path}: no such file or folder")
        except ServiceError as exc:
            raise CommandError(f"Nothing imported ({exc.code}). {exc.message}") from exc
        if options["here"]:
            while refimport.run_import(job.pk):
                pass
            job.refresh_from_db()
            for refusal in job.report:
                self.stdout.write(
                    f"refused line {refusal['line'] or '-'} {refusal['file']}: "
                    f"{refusal['code']} {refusal['message']}"
                )
            self.stdout.write(
                f"Import #{job.pk}: {len(job.entries)} registered, {len(job.report)} refused."
            )
        else:
            self.stdout.write(f"Import #{job.pk} queued: {job.total} rows.")
