"""Time the queue page over 100,000 clips, at 25 and at 100 rows per page.

Seeds a temporary SQLite database (migrated from scratch, thrown away afterwards) with clips in
every state, detection runs with timelines, face crops for the clips awaiting review, reports,
persons and decisions, all through bulk_create. Then requests the default queue page (open clips
in priority order) with django.test.Client as a logged-in moderator, capturing the queries.

Prints ONE JSON line: clips, median_ms_25, p95_ms_25, queries_25, median_ms_100, p95_ms_100,
queries_100, plus seed_s and the filtered page's timings. Target: p95 under 50 ms and the same
query count for both page sizes.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import timedelta  # noqa: E402

from bench._standalone import setup_django  # noqa: E402

VAR, KEEP = setup_django("queue")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboard.constants import (  # noqa: E402
    REVIEWABLE_STATES,
    SCORING_STATES,
    ClipStatus,
    DecisionAction,
    ReportReason,
    Role,
)
from dashboard.models import Clip, Decision, Label, Person, Report  # noqa: E402
from dashboard.priority import protected_points, report_points  # noqa: E402
from dashboard.roles import set_role  # noqa: E402
from detection.models import DetectionRun, DetectorModel, FaceCrop, RunStatus  # noqa: E402
from detection.priority import score_points  # noqa: E402

CLIPS = int(os.environ.get("BENCH_QUEUE_CLIPS", "100000"))
REPEATS = int(os.environ.get("BENCH_QUEUE_REPEATS", "40"))
BATCH = 5000
# Most clips were decided long ago; a working queue has a few thousand open ones.
STATUS_WEIGHTS = {
    ClipStatus.APPROVED: 40,
    ClipStatus.LABELED: 20,
    ClipStatus.REMOVED: 12,
    ClipStatus.AWAITING_REVIEW: 20,
    ClipStatus.IN_REVIEW: 1,
    ClipStatus.ESCALATED: 3,
    ClipStatus.SCORING: 2,
    ClipStatus.QUEUED: 2,
}
DECIDED = {
    ClipStatus.APPROVED: DecisionAction.APPROVE,
    ClipStatus.LABELED: DecisionAction.LABEL,
    ClipStatus.REMOVED: DecisionAction.REMOVE,
    ClipStatus.ESCALATED: DecisionAction.ESCALATE,
}
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9") + bytes(600)


def seed(rng: random.Random) -> None:
    users = get_user_model().objects
    moderator = users.create_user("bench-moderator", password="x")  # noqa: S106
    set_role(moderator, Role.MODERATOR)
    others = []
    for i in range(5):
        other = users.create_user(f"bench-mod-{i}", password="x")  # noqa: S106
        set_role(other, Role.MODERATOR)
        others.append(other)
    model = DetectorModel.objects.create(
        name="baseline",
        version="1",
        file="detectors/baseline.onnx",
        sha256="0" * 64,
        input_spec={},
        output_spec={},
        is_active=True,
    )
    persons = Person.objects.bulk_create(
        Person(name=f"Person {i}", protected=i % 10 == 0) for i in range(500)
    )
    labels = list(Label.objects.filter(active=True))
    now = timezone.now()
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    platforms = ["video-site", "tube", "shorts", "social", "messenger"]
    reasons = ReportReason.values
    for start in range(0, CLIPS, BATCH):
        clips = []
        extra: list[tuple[int, int, bool, float | None, str]] = []
        for i in range(start, min(start + BATCH, CLIPS)):
            status = rng.choices(statuses, weights)[0]
            scored = status not in SCORING_STATES
            score = round(rng.random(), 3) if scored else None
            reports = 1 + (rng.random() < 0.3) + (rng.random() < 0.1)
            person = rng.randrange(len(persons)) if rng.random() < 0.3 else -1
            protected = person >= 0 and persons[person].protected
            public_id = uuid.uuid4()
            held = status == ClipStatus.IN_REVIEW
            clips.append(
                Clip(
                    public_id=public_id,
                    file=f"clips/{public_id.hex[:2]}/{public_id.hex}.mp4",
                    sha256=f"{i:064x}",
                    size_bytes=1_000_000,
                    width=640,
                    height=360,
                    fps=25.0,
                    duration_s=10.0,
                    platform=rng.choice(platforms),
                    caption=f"clip {i} caption",
                    status=status,
                    score=score,
                    priority=round(
                        score_points(score) + report_points(reports) + protected_points(protected),
                        3,
                    ),
                    scoring_done=5 if status == ClipStatus.SCORING else 0,
                    scoring_total=20 if status == ClipStatus.SCORING else 0,
                    claimed_by=rng.choice(others) if held else None,
                    claim_expires_at=now + timedelta(minutes=10) if held else None,
                    created_at=now - timedelta(minutes=rng.randrange(60 * 24 * 60)),
                )
            )
            extra.append((reports, person, scored, score, status))
        with transaction.atomic():
            created = Clip.objects.bulk_create(clips)
            runs, report_rows, links, decisions = [], [], [], []
            for clip, (reports, person, scored, score, status) in zip(created, extra, strict=True):
                for _ in range(reports):
                    report_rows.append(
                        Report(clip=clip, reason=rng.choice(reasons), created_at=clip.created_at)
                    )
                if person >= 0:
                    links.append(Clip.persons.through(clip=clip, person=persons[person]))
                if scored:
                    runs.append(
                        DetectionRun(
                            clip=clip,
                            model=model,
                            status=RunStatus.DONE,
                            clip_score=score,
                            frames_scored=8,
                            faces_found=8,
                            timeline=[
                                {"t": t * 1.25, "frame": t * 31, "score": score, "face_found": True}
                                for t in range(8)
                            ],
                            timings_ms={"decode": 100.0, "inference": 40.0},
                            finished_at=clip.created_at,
                        )
                    )
                if status in DECIDED:
                    decisions.append(
                        Decision(
                            clip=clip,
                            action=DECIDED[status],
                            moderator=rng.choice(others),
                            reason="policy" if status == ClipStatus.REMOVED else "",
                            created_at=clip.created_at,
                        )
                    )
            Report.objects.bulk_create(report_rows)
            Clip.persons.through.objects.bulk_create(links)
            created_runs = DetectionRun.objects.bulk_create(runs)
            FaceCrop.objects.bulk_create(
                FaceCrop(run=run, rank=0, time_s=1.25, score=run.clip_score or 0, jpeg=JPEG)
                for run in created_runs
                if run.clip.status in REVIEWABLE_STATES
            )
            created_decisions = Decision.objects.bulk_create(decisions)
            Decision.labels.through.objects.bulk_create(
                Decision.labels.through(decision=d, label=rng.choice(labels))
                for d in created_decisions
                if d.action == DecisionAction.LABEL
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client: Client, params: dict[str, str]) -> tuple[float, float, int]:
    timings, counts = [], set()
    client.get("/", params)  # warm the caches the way a working desk has them
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/", params)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        timings.append(elapsed)
        counts.add(len(queries))
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    return round(statistics.median(timings), 2), round(p95, 2), max(counts)


def main() -> None:
    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        if not Clip.objects.exists():
            seed(random.Random(7))
        seed_s = round(time.perf_counter() - started, 1)
        client = Client()
        client.force_login(get_user_model().objects.get(username="bench-moderator"))
        result: dict[str, object] = {"clips": Clip.objects.count(), "seed_s": seed_s}
        for size in (25, 100):
            median, p95, queries = measure(client, {"per_page": str(size)})
            result |= {f"median_ms_{size}": median, f"p95_ms_{size}": p95}
            result[f"queries_{size}"] = queries
        median, p95, queries = measure(
            client, {"per_page": "25", "score_band": "high", "reason": "impersonation"}
        )
        result |= {"filtered_median_ms_25": median, "filtered_p95_ms_25": p95}
        print(json.dumps(result))
    finally:
        connection.close()
        if not KEEP:
            shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
