"""Time the SLA breach sweep and the seniors' SLA page over 100,000 clips.

Seeds a temporary SQLite database (migrated from scratch, thrown away afterwards) with clips in
every state, one to three reports each, and three SLA bands. Then times finding the late clips
two ways, on the same data in the same run:
- sql: teamwork.sla's query, the deadline computed in the database (first report + band hours);
- python (the baseline): load every open clip and its first report, compute the deadline with
  teamwork.sla.deadline_for per clip, keep the late ones.
Both must find the same clips. Also times one full sweep (recording every breach) and the SLA
page as a senior.

Prints ONE JSON line: clips, open_clips, late_clips, sql_median_ms, python_median_ms,
speedup (python / sql), sweep_s, page_median_ms, page_queries, seed_s.
"""

import sys
from pathlib import Path

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH_DIR]
sys.path.insert(0, str(_BENCH_DIR.parent))

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import timedelta  # noqa: E402

VAR = tempfile.mkdtemp(prefix="unmask-bench-sla-")
os.environ["UNMASK_VAR_DIR"] = VAR
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Min  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboard.constants import (  # noqa: E402
    FINAL_STATES,
    REVIEWABLE_STATES,
    SLA_CLOCK_STATES,
    Role,
)
from dashboard.models import Clip, Report  # noqa: E402
from dashboard.roles import set_role  # noqa: E402
from teamwork.models import SlaBand, SlaBreach  # noqa: E402
from teamwork.sla import (  # noqa: E402
    configured_bands,
    deadline_for,
    open_clips_by_time_left,
    record_sla_breaches,
)

CLIPS = int(os.environ.get("BENCH_SLA_CLIPS", "100000"))
REPEATS = int(os.environ.get("BENCH_SLA_REPEATS", "7"))
BATCH = 5000
OPEN_SHARE = 0.2


def seed(rng: random.Random) -> None:
    SlaBand.objects.bulk_create(
        [
            SlaBand(name="critical", min_priority=120, hours=1),
            SlaBand(name="high", min_priority=60, hours=6),
            SlaBand(name="normal", min_priority=0, hours=48),
        ]
    )
    now = timezone.now()
    for start in range(0, CLIPS, BATCH):
        clips = []
        for i in range(start, min(CLIPS, start + BATCH)):
            public_id = uuid.UUID(int=rng.getrandbits(128))
            status = (
                rng.choice(REVIEWABLE_STATES)
                if rng.random() < OPEN_SHARE
                else rng.choice(FINAL_STATES)
            )
            clips.append(
                Clip(
                    public_id=public_id,
                    file=f"clips/{public_id.hex}.mp4",
                    sha256=f"{i:064x}",
                    size_bytes=1000,
                    status=status,
                    priority=rng.uniform(0, 180),
                    created_at=now - timedelta(hours=rng.uniform(0, 96)),
                )
            )
        Clip.objects.bulk_create(clips)
        created = Clip.objects.filter(sha256__in=[c.sha256 for c in clips]).values_list(
            "pk", "created_at"
        )
        Report.objects.bulk_create(
            Report(clip_id=pk, created_at=at + timedelta(minutes=rng.uniform(0, 90)))
            for pk, at in created
            for _ in range(rng.randint(1, 3))
        )
    user = get_user_model().objects.create_user("bench-senior")
    set_role(user, Role.SENIOR)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def late_sql(now) -> set[int]:
    return set(
        open_clips_by_time_left()
        .filter(sla_deadline__lt=now, sla_breach__isnull=True)
        .values_list("pk", flat=True)
    )


def late_python(now) -> set[int]:
    bands = configured_bands()
    first = dict(
        Report.objects.filter(clip__status__in=SLA_CLOCK_STATES)
        .values_list("clip_id")
        .annotate(first=Min("created_at"))
    )
    breached = set(SlaBreach.objects.values_list("clip_id", flat=True))
    late = set()
    for pk, priority, created_at in Clip.objects.filter(status__in=SLA_CLOCK_STATES).values_list(
        "pk", "priority", "created_at"
    ):
        if pk in breached:
            continue
        if deadline_for(first.get(pk, created_at), priority, bands) < now:
            late.add(pk)
    return late


def median_ms(fn, *args) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = fn(*args)
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 2), result


def main() -> None:
    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        seed(random.Random(11))
        seed_s = round(time.perf_counter() - started, 1)
        now = timezone.now()
        sql_ms, sql_late = median_ms(late_sql, now)
        python_ms, python_late = median_ms(late_python, now)
        assert sql_late == python_late, (len(sql_late), len(python_late))
        started = time.perf_counter()
        recorded = record_sla_breaches(now)
        sweep_s = round(time.perf_counter() - started, 2)
        assert recorded == len(sql_late)
        client = Client()
        client.force_login(get_user_model().objects.get(username="bench-senior"))
        client.get("/team/sla/")
        timings, counts = [], set()
        for _ in range(REPEATS):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                assert client.get("/team/sla/").status_code == 200
                timings.append((time.perf_counter() - started) * 1000)
            counts.add(len(queries))
        print(
            json.dumps(
                {
                    "clips": CLIPS,
                    "open_clips": Clip.objects.filter(status__in=SLA_CLOCK_STATES).count(),
                    "late_clips": len(sql_late),
                    "sql_median_ms": sql_ms,
                    "python_median_ms": python_ms,
                    "speedup": round(python_ms / sql_ms, 2),
                    "sweep_s": sweep_s,
                    "page_median_ms": round(statistics.median(timings), 2),
                    "page_queries": max(counts),
                    "seed_s": seed_s,
                }
            )
        )
    finally:
        connection.close()
        shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
