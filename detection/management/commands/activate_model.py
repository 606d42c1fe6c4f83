"""Make a registered detector model version the active one."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from detection.models import DetectorModel
from detection.registry import activate_model


class Command(BaseCommand):
    help = "Activate detector model NAME VERSION (the previous active model is deactivated)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("version")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            model = DetectorModel.objects.get(name=opts["name"], version=opts["version"])
        except DetectorModel.DoesNotExist as exc:
            raise CommandError(f"No model {opts['name']} v{opts['version']}.") from exc
        activate_model(model)
        self.stdout.write(self.style.SUCCESS(f"{model.label} is now active."))
        self.stdout.write("Run `manage.py rescore` to score existing clips with it.")
