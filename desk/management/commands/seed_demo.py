"""Demo data for a first look: three accounts, a few persons, and generated clips to review."""

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from dashboard.constants import ReportReason, Role
from dashboard.models import GENERAL_QUEUE, Person, Queue
from dashboard.roles import set_role
from desk.ingest import Submission, ingest_upload
from detection.registry import ensure_baseline
from detection.synthetic import make_clip

ACCOUNTS = [("admin", Role.ADMIN), ("senior", Role.SENIOR), ("moderator", Role.MODERATOR)]

PERSONS = [
    ("Mira Sol", ["Mira"], True),
    ("Jun Park", ["JP"], False),
    ("Lena Hart", [], True),
]

# (kind, seed, platform, reason, subjects, caption)
DEMO_CLIPS = [
    (
        "animated_still",
        11,
        "ShortVid",
        ReportReason.DEEPFAKE,
        ["Mira Sol", "Jun Park"],
        "Off-screen kiss at the premiere!!",
    ),
    (
        "face_paste",
        12,
        "ClipShare",
        ReportReason.IMPERSONATION,
        ["Lena Hart"],
        "Lena in the scene she never played",
    ),
    ("synthetic", 13, "ShortVid", ReportReason.NON_CONSENSUAL, ["Mira Sol"], "leaked backstage"),
    ("face", 14, "FanForum", ReportReason.MISLEADING, ["Jun Park"], "Interview, full version"),
    ("face", 15, "ClipShare", ReportReason.DEEPFAKE, [], "Is this real?"),
    ("noface", 16, "ShortVid", ReportReason.OTHER, [], "Concert stage, no people"),
]


def write_demo_clip(folder: Path, kind: str, seed: int) -> Path:
    """A demo clip as `make run` seeds it: H.264, which browsers play on first start."""
    return make_clip(
        folder / f"demo-{kind}-{seed}.mp4", kind=kind, seconds=4.0, seed=seed, codec="h264"
    )


class Command(BaseCommand):
    help = "Create demo accounts, register the baseline detector and add generated demo clips."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clips", type=int, default=len(DEMO_CLIPS))

    def handle(self, *args: Any, **opts: Any) -> None:
        model = ensure_baseline()
        self.stdout.write(
            f"Detector: {model.label} ({'active' if model.is_active else 'inactive'})"
        )
        self._accounts()
        for name, aliases, protected in PERSONS:
            Person.objects.get_or_create(
                name=name, defaults={"aliases": aliases, "protected": protected}
            )
        self._queues()
        self._clips(max(0, min(opts["clips"], len(DEMO_CLIPS))))

    def _queues(self) -> None:
        """The senior works Protected persons and General; the moderator, in no queue, works
        every queue without members (all but Protected persons), as dashboard/queues.py says."""
        senior = get_user_model().objects.get(username="senior")
        for queue in Queue.objects.filter(slug__in=["protected-persons", GENERAL_QUEUE]):
            queue.members.add(senior)
        self.stdout.write("Queues: senior works Protected persons and General.")

    def _accounts(self) -> None:
        User = get_user_model()
        password = os.environ.get("UNMASK_DEMO_PASSWORD") or ""
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        lines = []
        for username, role in ACCOUNTS:
            with transaction.atomic():
                user, created = User.objects.get_or_create(username=username)
                if created or not generated:
                    user.set_password(password)
                    user.save()
                    lines.append(f"  {username:<10} {password}   ({role})")
                else:
                    lines.append(f"  {username:<10} (password unchanged)   ({role})")
                set_role(user, role)
        self.stdout.write("Demo logins:\n" + "\n".join(lines))

    def _clips(self, count: int) -> None:
        added = 0
        with tempfile.TemporaryDirectory(prefix="unmask-demo-") as tmp:
            for kind, seed, platform, reason, subjects, caption in DEMO_CLIPS[:count]:
                path = write_demo_clip(Path(tmp), kind, seed)
                with path.open("rb") as fh:
                    result = ingest_upload(
                        File(fh, name=f"{platform.lower()}-{seed}.mp4"),
                        Submission(
                            platform=platform,
                            caption=caption,
                            reason=reason,
                            note="Demo report",
                            subjects=tuple(subjects),
                        ),
                        None,
                    )
                added += int(result.created)
        self.stdout.write(f"Demo clips: {added} new, {count - added} already present.")
