"""Register a detector model version from its manifest (JSON) and .onnx file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from detection.registry import RegistryError, load_manifest, register_model


class Command(BaseCommand):
    help = (
        "Validate and register a detector model. MANIFEST is a JSON file with name, version, "
        "input, output, threshold (see detection/models/baseline-v1.json); the .onnx file "
        "defaults to the manifest's path with the .onnx suffix."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("manifest", type=Path)
        parser.add_argument("--onnx", type=Path, help="The model file (default: beside MANIFEST)")
        parser.add_argument("--card", type=Path, help="A model card in Markdown")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--activate", action="store_true", help="Make it the active model")
        group.add_argument("--shadow", action="store_true", help="Run it as a shadow model")

    def handle(self, *args: Any, **opts: Any) -> None:
        onnx_path: Path = opts["onnx"] or opts["manifest"].with_suffix(".onnx")
        if not onnx_path.is_file():
            raise CommandError(f"No model file at {onnx_path}.")
        card = opts["card"].read_text() if opts["card"] else ""
        try:
            model = register_model(
                onnx_path,
                load_manifest(opts["manifest"]),
                model_card=card,
                activate=opts["activate"],
                shadow=opts["shadow"],
            )
        except RegistryError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Registered {model} (sha256 {model.sha256[:12]}…)."))
