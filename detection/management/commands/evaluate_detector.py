"""Measure a detector model on labelled media and print one JSON line; `--record` stores it.

    manage.py evaluate_detector PATH [--model NAME VERSION] [--record --data real|synthetic]

PATH is a folder with `fake/` and `real/` subfolders (a further subfolder names the kind:
`fake/face_swap/x.mp4`) or a CSV manifest `file,class,kind`. Every file is scored through
the worker's pipeline and settings (`detection.tasks.score_file`); see `detection.evaluation`
for the figures. `--record` appends the result to the model's validation status, saying
whether the media were real or generated (`--data`, required with it: only the operator knows).
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dashboard.workflow import record_event
from detection.evaluation import (
    EvaluationSetError,
    ScoredItem,
    load_labelled_set,
    summarize,
)
from detection.frames import UnreadableMediaError
from detection.inference import ModelOutputError
from detection.models import DetectorModel
from detection.tasks import score_file
from detection.validation import with_evaluation


class Command(BaseCommand):
    help = "Score labelled media (fake/ and real/, or a CSV) and print AUC, TPR/FPR, ECE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Folder with fake/ and real/, or a CSV file,class,kind")
        parser.add_argument(
            "--model", nargs=2, metavar=("NAME", "VERSION"), help="Instead of the active model"
        )
        parser.add_argument(
            "--record", action="store_true", help="Store the result on the model's validation"
        )
        parser.add_argument(
            "--data",
            choices=["real", "synthetic"],
            help="What the media are (required with --record)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["record"] and not opts["data"]:
            raise CommandError("--record needs --data real or --data synthetic.")
        model = self._model(opts["model"])
        root = Path(opts["path"]).resolve()
        try:
            items = load_labelled_set(root)
        except EvaluationSetError as exc:
            raise CommandError(str(exc)) from exc
        results = []
        for item in items:
            try:
                result = score_file(str(item.path), model)
                results.append(ScoredItem(item, result.clip_score))
            except (UnreadableMediaError, ModelOutputError) as exc:
                results.append(ScoredItem(item, None, error=str(exc)[:200]))
        base = root if root.is_dir() else root.parent
        summary = {"model": model.label, **summarize(results, model.threshold, base)}
        if opts["record"]:
            self._record(model, summary, opts["data"], str(root))
            summary["recorded"] = True
        self.stdout.write(json.dumps(summary, sort_keys=False))

    def _record(
        self, model: DetectorModel, summary: dict[str, Any], data: str, source: str
    ) -> None:
        evaluation = {
            "data": data,
            "items": summary["items"],
            "unit": "clips",
            "kinds": {kind: entry["items"] for kind, entry in summary["per_kind"].items()},
            "figures": {
                key: summary[key] for key in ("auc", "auc_ci", "tpr", "fpr", "ece", "scored")
            }
            | {"no_face": summary["no_face"]["count"], "threshold": summary["threshold"]},
            "source": f"manage.py evaluate_detector {source}",
            "recorded_at": timezone.now().isoformat(),
        }
        model.validation = with_evaluation(model.validation, evaluation)
        model.save(update_fields=["validation"])
        record_event(
            None,
            "detector.evaluated",
            actor_label="manage.py evaluate_detector",
            data={
                "model": model.label,
                "data": data,
                "items": summary["items"],
                "auc": summary["auc"],
            },
        )

    def _model(self, spec: list[str] | None) -> DetectorModel:
        if spec:
            model = DetectorModel.objects.filter(name=spec[0], version=spec[1]).first()
            if model is None:
                raise CommandError(f"No model {spec[0]} v{spec[1]}.")
            return model
        model = DetectorModel.objects.active()
        if model is None:
            raise CommandError("No active model; register and activate one, or give --model.")
        return model
