"""Time the desk at 100,000 or 1,000,000 clips, on SQLite or PostgreSQL.

    .venv/bin/python bench/queue_page.py --clips 1000000                      # SQLite
    .venv/bin/python bench/queue_page.py --clips 1000000 --database-url postgres://...
    ... --keep-db        # keep the seeded database and reuse it on the next run

Seeds clips in every state, detection runs with timelines, face crops for the clips awaiting
review, reports, persons (one depicted in 5 % of all clips) and decisions with labels, by bulk
inserts with explicit ids (executemany on SQLite, COPY on PostgreSQL) with the row triggers
dropped, then re-installs the triggers, which rebuild what they keep (status counters, the
caption index, the dashboard summary's stale hours) as after any migrate that lost them. With
`--keep-db` the SQLite file stays in /tmp/unmask-bench-queue-<clips> (or BENCH_QUEUE_VAR) and
PostgreSQL's rows stay in the database; a run that finds as many clips seeded reuses them.

Then times, as logged-in users through django.test.Client, each after a warm-up request:
the queue's first page at 25 and 100 rows, a deep keyset page, a filtered page, a caption
search and a short-id search; the API's clip list (first page and a filtered one ordered by
priority); "Next clip" while leaving the previous clip (claims and releases); the person page
of the most depicted person, first and deep page; the team dashboard (its summary built
first, as the beat would). EXPLAIN plans of the queue's page query go to stderr.

Prints ONE JSON line: per operation the median and p95 in ms and the query count, plus
clips, database, seed_s, summary_build_s, the load average and the CPU count. Targets at 1 M on
PostgreSQL: queue p95 < 50 ms, Next clip < 30 ms, query counts as at 100,000.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--clips", type=int, default=int(os.environ.get("BENCH_QUEUE_CLIPS", 100000)))
parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_QUEUE_REPEATS", 40)))
parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
parser.add_argument("--keep-db", action="store_true", help="keep the seeded database, reuse it")
parser.add_argument("--no-dashboard", action="store_true", help="skip the team dashboard")
ARGS = parser.parse_args()
os.environ.setdefault("UNMASK_API_RATE_TOKEN", "1000000/minute")

from bench._standalone import setup_django  # noqa: E402

VAR, KEEP = setup_django(
    "queue",
    var=os.environ.get("BENCH_QUEUE_VAR", "")
    or (f"/tmp/unmask-bench-queue-{ARGS.clips}" if ARGS.keep_db and not ARGS.database_url else ""),  # noqa: S108
    database_url=ARGS.database_url,
)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboard import counters, keyset, search  # noqa: E402
from dashboard.constants import (  # noqa: E402
    FINAL_STATES,
    REVIEWABLE_STATES,
    SCORING_STATES,
    ClipStatus,
    DecisionAction,
    LabelCategory,
    ReportReason,
    Role,
)
from dashboard.models import Clip, Decision, Label, Person, Report  # noqa: E402
from dashboard.priority import protected_points, report_points  # noqa: E402
from dashboard.roles import set_role  # noqa: E402
from desk.queue import PRIORITY_ORDER, QueueFilters, queue_page  # noqa: E402
from detection.models import DetectionRun, DetectorModel, FaceCrop, RunStatus  # noqa: E402
from detection.priority import score_points  # noqa: E402
from insight import summary  # noqa: E402
from insight import triggers as insight_triggers  # noqa: E402

CLIPS = ARGS.clips
REPEATS = ARGS.repeats
BATCH = 20000
PG = connection.vendor == "postgresql"
# Most clips were decided long ago; a working queue has its open share.
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
# Caption words: each of the 5,000 appears in about 0.1 % of the clips.
WORDS = [f"w{i:04d}x" for i in range(5000)]
SEARCH_WORD = WORDS[1234]
PERSONS = 2000


# --- Seeding ------------------------------------------------------------------------------------


def _dt(value: datetime) -> Any:
    return value if PG else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _uuid(value: uuid.UUID) -> Any:
    return value if PG else value.hex


class Table:
    """Rows for one model's table, written in bulk; columns not given take the field default."""

    def __init__(self, model: Any, given: Sequence[str]) -> None:
        self.table = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in fields]
        position = {name: i for i, name in enumerate(given)}
        self.plan: list[tuple[int | None, Any]] = []
        for field in fields:
            if field.column in position:
                self.plan.append((position[field.column], None))
            else:
                default = field.get_default()
                self.plan.append((None, field.get_db_prep_save(default, connection)))
        self.rows: list[tuple] = []

    def add(self, *values: Any) -> None:
        self.rows.append(tuple(values[i] if i is not None else d for i, d in self.plan))

    def flush(self) -> None:
        if not self.rows:
            return
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if PG:
                raw = cursor.cursor  # psycopg's own cursor: COPY
                with raw.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({columns}) VALUES ({marks})",  # noqa: S608
                    self.rows,
                )
        self.rows.clear()


def _our_triggers() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        if PG:
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND (t.tgname LIKE 'dashboard\\_%' "
                "OR t.tgname LIKE 'insight\\_%')"
            )
        else:
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND (name LIKE 'dashboard\\_%' ESCAPE '\\' OR name LIKE 'insight\\_%' ESCAPE '\\')"
            )
        return cursor.fetchall()


def seed(rng: random.Random) -> None:
    users = get_user_model().objects
    moderator = users.create_user("bench-moderator", password="x")  # noqa: S106
    set_role(moderator, Role.MODERATOR)
    senior = users.create_user("bench-senior", password="x")  # noqa: S106
    set_role(senior, Role.SENIOR)
    others = []
    for i in range(5):
        other = users.create_user(f"bench-mod-{i}", password="x")  # noqa: S106
        set_role(other, Role.MODERATOR)
        others.append(other.pk)
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
        Person(name=f"Person {i}", protected=i % 10 == 0) for i in range(PERSONS)
    )
    if not Label.objects.filter(active=True).exists():  # a flushed database lost the seeded ones
        Label.objects.bulk_create(
            Label(slug=f"bench-{c}", name=f"Bench {c}", category=c) for c in LabelCategory.values
        )
    labels = list(Label.objects.filter(active=True).values_list("pk", flat=True))
    # Bulk loading without the row triggers; installing them again rebuilds what they keep.
    dropped = _our_triggers()
    with connection.cursor() as cursor:
        for name, table in dropped:
            cursor.execute(f"DROP TRIGGER {name}" + (f" ON {table}" if PG else ""))
    now = timezone.now()
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    platforms = ["video-site", "tube", "shorts", "social", "messenger"]
    reasons = ReportReason.values
    clip_t = Table(
        Clip,
        [
            "id", "public_id", "file", "sha256", "size_bytes", "width", "height", "fps",
            "duration_s", "platform", "caption", "status", "score", "priority", "scoring_done",
            "scoring_total", "claimed_by_id", "claim_expires_at", "created_at", "updated_at",
            "decided_at",
        ],
    )  # fmt: skip
    report_t = Table(Report, ["id", "clip_id", "reason", "created_at"])
    link_t = Table(Clip.persons.through, ["id", "clip_id", "person_id"])
    run_t = Table(
        DetectionRun,
        ["id", "clip_id", "model_id", "status", "clip_score", "frames_scored", "faces_found",
         "timeline", "timings_ms", "created_at", "finished_at"],
    )  # fmt: skip
    crop_t = Table(FaceCrop, ["id", "run_id", "rank", "time_s", "score", "jpeg"])
    decision_t = Table(
        Decision, ["id", "clip_id", "action", "moderator_id", "reason", "created_at"]
    )
    dlabel_t = Table(Decision.labels.through, ["id", "decision_id", "label_id"])
    ids = {"report": 0, "link": 0, "run": 0, "crop": 0, "decision": 0, "dlabel": 0}
    celebrity = persons[1]  # depicted in 5 % of all clips: the deep person page
    timings = json.dumps({"decode": 100.0, "inference": 40.0})
    for start in range(0, CLIPS, BATCH):
        for i in range(start + 1, min(start + BATCH, CLIPS) + 1):
            status = rng.choices(statuses, weights)[0]
            scored = status not in SCORING_STATES
            score = round(rng.random(), 3) if scored else None
            reports = 1 + (rng.random() < 0.3) + (rng.random() < 0.1)
            depicted = []
            if rng.random() < 0.3:
                depicted.append(persons[rng.randrange(PERSONS)])
            if rng.random() < 0.05 and celebrity not in depicted:
                depicted.append(celebrity)
            protected = any(p.protected for p in depicted)
            public_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            held = status == ClipStatus.IN_REVIEW
            created = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
            decided = created + timedelta(minutes=rng.randrange(1, 600))
            caption = " ".join(rng.choice(WORDS) for _ in range(5))
            points = score_points(score) + report_points(reports) + protected_points(protected)
            clip_t.add(
                i, _uuid(public_id), f"clips/{public_id.hex[:2]}/{public_id.hex}.mp4",
                f"{i:064x}", 1_000_000, 640, 360, 25.0, 10.0, rng.choice(platforms),
                f"clip {i}: {caption}", status, score,
                round(points, 3),
                5 if status == ClipStatus.SCORING else 0, 20 if status == ClipStatus.SCORING else 0,
                rng.choice(others) if held else None,
                _dt(now + timedelta(minutes=10)) if held else None, _dt(created), _dt(created),
                _dt(min(decided, now)) if status in FINAL_STATES else None,
            )  # fmt: skip
            for _ in range(reports):
                ids["report"] += 1
                report_t.add(ids["report"], i, rng.choice(reasons), _dt(created))
            for person in depicted:
                ids["link"] += 1
                link_t.add(ids["link"], i, person.pk)
            if scored:
                ids["run"] += 1
                timeline = [
                    {"t": t * 1.25, "frame": t * 31, "score": score, "face_found": True}
                    for t in range(8)
                ]
                run_t.add(
                    ids["run"], i, model.pk, RunStatus.DONE, score, 8, 8, json.dumps(timeline),
                    timings, _dt(created), _dt(created),
                )  # fmt: skip
                if status in REVIEWABLE_STATES:
                    ids["crop"] += 1
                    crop_t.add(ids["crop"], ids["run"], 0, 1.25, score, JPEG)
            if status in DECIDED:
                ids["decision"] += 1
                decision_t.add(
                    ids["decision"], i, DECIDED[status], rng.choice(others),
                    "policy" if status == ClipStatus.REMOVED else "", _dt(min(decided, now)),
                )  # fmt: skip
                if DECIDED[status] == DecisionAction.LABEL:
                    ids["dlabel"] += 1
                    dlabel_t.add(ids["dlabel"], ids["decision"], rng.choice(labels))
        with transaction.atomic():
            for table in (clip_t, report_t, link_t, run_t, crop_t, decision_t, dlabel_t):
                table.flush()
    if PG:
        with connection.cursor() as cursor:
            for model_ in (Clip, Report, Clip.persons.through, DetectionRun, FaceCrop, Decision,
                           Decision.labels.through):  # fmt: skip
                table = model_._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
    # The triggers again: counters and the caption index rebuilt, every hour marked stale.
    counters.install_triggers()
    search.install_triggers()
    insight_triggers.install_triggers()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Timing -------------------------------------------------------------------------------------


def timed(request: Callable[[], Any], repeats: int = REPEATS) -> dict[str, float]:
    request()  # warm the caches the way a working desk has them
    timings, cpu, counts = [], [], set()
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = request()
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code in (200, 302), (response.status_code, response.content[:300])
        timings.append(elapsed)
        counts.add(len(queries))
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    # CPU time of this process (SQLite runs in it; PostgreSQL's server time is not included).
    return {"median_ms": round(statistics.median(timings), 2), "p95_ms": round(p95, 2),
            "cpu_median_ms": round(statistics.median(cpu), 2), "queries": max(counts)}  # fmt: skip


def explain(label: str, sql: str) -> None:
    """The plan of a captured query (its parameters already inlined: run without any)."""
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN " if PG else "EXPLAIN QUERY PLAN ") + sql, None)
        rows = cursor.fetchall()
    plan = "\n".join(str(row[0] if PG else row[-1]) for row in rows)
    print(f"--- {label}\n{plan}", file=sys.stderr)


def deep_cursor() -> str:
    """A cursor half-way down the open queue (awaiting review), as after many Next pages."""
    open_ = Clip.objects.filter(status=ClipStatus.AWAITING_REVIEW).order_by(
        *keyset.order_by(PRIORITY_ORDER)
    )
    middle = open_.filter(priority__lte=statistics.median(
        open_.values_list("priority", flat=True)[:: max(1, CLIPS // 2000)] or [0]
    )).first()  # fmt: skip
    return keyset.encode(keyset.row_key(PRIORITY_ORDER, middle))


def main() -> None:
    result: dict[str, object] = {"clips": CLIPS, "database": connection.vendor}
    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        reused = Clip.objects.count() == CLIPS
        if not reused:
            if Clip.objects.exists():
                call_command("flush", interactive=False, verbosity=0)
                call_command("migrate", verbosity=0)
            seed(random.Random(7))
        result["seed_s"] = None if reused else round(time.perf_counter() - started, 1)
        result["reused_db"] = reused
        users = get_user_model().objects
        moderator = Client()
        moderator.force_login(users.get(username="bench-moderator"))
        senior = Client()
        senior.force_login(users.get(username="bench-senior"))

        for size in (25, 100):
            result[f"queue_{size}"] = timed(lambda s=size: moderator.get("/", {"per_page": s}))
        cursor = deep_cursor()
        result["queue_deep_25"] = timed(lambda: moderator.get("/", {"after": cursor}))
        result["queue_filtered_25"] = timed(
            lambda: moderator.get("/", {"score_band": "high", "reason": "impersonation"})
        )
        result["search_caption_25"] = timed(lambda: moderator.get("/", {"q": SEARCH_WORD}))
        some = Clip.objects.filter(status=ClipStatus.AWAITING_REVIEW).order_by("pk")[CLIPS // 50]
        result["search_short_id"] = timed(lambda: moderator.get("/", {"q": some.short_id}))
        found = queue_page(
            QueueFilters(q=SEARCH_WORD), users.get(username="bench-moderator"), None, 25
        )
        result["search_caption_matches"] = [found.total, found.total_capped]

        result["api_list_25"] = timed(lambda: moderator.get("/api/v1/clips/", {"page_size": 25}))
        result["api_list_100"] = timed(lambda: moderator.get("/api/v1/clips/", {"page_size": 100}))
        result["api_filtered_25"] = timed(
            lambda: moderator.get(
                "/api/v1/clips/",
                {"status": "awaiting_review", "ordering": "-priority", "reason": "impersonation"},
            )
        )
        api_next = moderator.get("/api/v1/clips/", {"page_size": 25}).json()["next"]
        for _ in range(3):  # a few pages in
            api_next = moderator.get(api_next).json()["next"]
        result["api_cursor_page_25"] = timed(lambda: moderator.get(api_next))

        held: list[str] = []

        def next_clip() -> Any:
            response = moderator.post("/next/", {"release": held[-1] if held else ""})
            held.append(response.url.rstrip("/").rsplit("/", 1)[-1])
            return response

        result["next_clip"] = timed(next_clip)

        celebrity = Person.objects.get(name="Person 1")
        url = f"/persons/{celebrity.pk}/"
        result["person_page"] = timed(lambda: moderator.get(url))
        deep = Clip.persons.through.objects.filter(person=celebrity).order_by("-clip_id")
        after = keyset.encode([deep.values_list("clip_id", flat=True)[deep.count() // 2]])
        result["person_page_deep"] = timed(lambda: moderator.get(url, {"after": after}))

        if not ARGS.no_dashboard:
            started = time.perf_counter()
            summary.refresh_all()
            result["summary_build_s"] = round(time.perf_counter() - started, 1)
            result["team_dashboard_7d"] = timed(lambda: senior.get("/insight/"), REPEATS // 4)

        result["loadavg"] = [round(x, 2) for x in os.getloadavg()]
        result["cpus"] = os.cpu_count()
        print(json.dumps(result), flush=True)
        # The page query's plans, for the README (stderr).
        for label, params in (("queue", {}), ("search", {"q": SEARCH_WORD})):
            with CaptureQueriesContext(connection) as queries:
                moderator.get("/", params)
            ids = next(
                q["sql"] for q in queries if "UNION ALL" in q["sql"] or "LIMIT 26" in q["sql"]
            )
            print(f"--- {label} SQL: {ids[:400]}", file=sys.stderr)
            explain(label, ids)
    finally:
        if not ARGS.keep_db and PG:
            call_command("flush", interactive=False, verbosity=0)
        connection.close()
        if not KEEP:
            shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
