"""Score existing clips with the active model (or a named version), keeping earlier runs.

A clip counts as done once the model scored it under the current scoring rules
(`detection.scoring.SCORING_RULES_VERSION`); runs made under earlier rules stay as they were,
and re-scoring adds a new run beside them.
"""

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from dashboard.constants import SCORING_STATES, ClipStatus
from dashboard.jobs import enqueue
from dashboard.models import Clip
from detection.models import DetectionRun, DetectorModel, RunStatus
from detection.scoring import SCORING_RULES_VERSION
from detection.tasks import rescore_clip, run_rescoring

RESCORABLE = [s.value for s in ClipStatus if s not in SCORING_STATES]


def _parse_since(raw: str) -> datetime:
    parsed = parse_datetime(raw)
    if parsed is None:
        day = parse_date(raw)
        if day is None:
            raise CommandError(f"--since {raw!r} is not a date (YYYY-MM-DD) or datetime.")
        parsed = datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


class Command(BaseCommand):
    help = "Re-score clips with the active detector model; every earlier run is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--status", action="append", choices=RESCORABLE, help="Only clips in this state"
        )
        parser.add_argument("--since", help="Only clips received since this date or datetime")
        parser.add_argument("--model", help="NAME:VERSION instead of the active model")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Send jobs to the workers instead of scoring here",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        model = self._model(opts["model"])
        clips = Clip.objects.filter(status__in=opts["status"] or RESCORABLE)
        if opts["since"]:
            clips = clips.filter(created_at__gte=_parse_since(opts["since"]))
        done = DetectionRun.objects.filter(
            model=model, rules_version=SCORING_RULES_VERSION, status=RunStatus.DONE
        )
        clips = clips.exclude(pk__in=done.values("clip_id"))
        ids = list(clips.order_by("pk").values_list("pk", flat=True))
        self.stdout.write(f"{len(ids)} clips to score with {model.label}.")
        outcomes: dict[str, int] = {}
        for clip_id in tqdm(ids, unit="clip", file=self.stderr, disable=not ids):
            if opts["enqueue"]:
                sent = enqueue(
                    rescore_clip,
                    [clip_id, model.pk],
                    what=f"Re-scoring job for clip {clip_id}",
                    resent_by="nobody (re-scoring has no sweeper): run the command again",
                )
                outcome = "enqueued" if sent else "not sent"
            else:
                outcome = run_rescoring(clip_id, model.pk).outcome
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{n} {name}" for name, n in sorted(outcomes.items())) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Done: {summary}."))

    def _model(self, spec: str | None) -> DetectorModel:
        if spec:
            name, _, version = spec.partition(":")
            model = DetectorModel.objects.filter(name=name, version=version).first()
            if model is None:
                raise CommandError(f"No model {spec!r}; give NAME:VERSION.")
            return model
        model = DetectorModel.objects.active()
        if model is None:
            raise CommandError("No active model; register and activate one first.")
        return model
