"""Time the team dashboard over 100,000 decided clips.

Seeds a temporary SQLite database (migrated from scratch, thrown away afterwards) with 100,000
decided clips spread over 60 days (decisions with labels, escalations resolved by seniors,
persons, platforms, 5 % agreement samples with second opinions, appeals against 2 % of the
decisions, most of them upheld or overturned) and a few thousand open clips, all through
bulk_create. The staleness triggers mark every hour seeded; the summary is then built as the
beat task would (summary_build_s), and a few clips are decided in the current hour, so the page
reads that hour from the desk's rows as it does between two refreshes on a live desk. Then
requests /insight/ as a senior for the whole 60 days (daily buckets) and for the default last 7
days, capturing the queries, and checks that both ranges' numbers equal a computation from
scratch (counts exactly, percentiles within their histogram bucket).

Prints ONE JSON line: decided, median_ms, p95_ms, queries, cpu_median_ms (the 60-day page), the
same for the 7-day page, appeals, matches_scratch, the 60-day percentiles' error against the
exact ones, stale_hours when timed, the load average and CPU count, seed_s and
summary_build_s. Target: under 300 ms.
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

VAR, KEEP = setup_django("dashboard")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboard.constants import REVIEWABLE_STATES, ClipStatus, DecisionAction, Role  # noqa: E402
from dashboard.models import Clip, Decision, Label, Person  # noqa: E402
from dashboard.roles import set_role  # noqa: E402
from insight import metrics, summary  # noqa: E402
from insight.forms import DateRangeForm  # noqa: E402
from insight.models import AgreementSample, StaleHour  # noqa: E402
from teamwork.constants import AppealSource, AppealState  # noqa: E402
from teamwork.models import Appeal  # noqa: E402

DECIDED = int(os.environ.get("BENCH_DASHBOARD_CLIPS", "100000"))
OPEN = DECIDED // 25
REPEATS = int(os.environ.get("BENCH_DASHBOARD_REPEATS", "20"))
DAYS = 60
BATCH = 5000
OUTCOMES = {
    ClipStatus.APPROVED: (DecisionAction.APPROVE, 55),
    ClipStatus.LABELED: (DecisionAction.LABEL, 28),
    ClipStatus.REMOVED: (DecisionAction.REMOVE, 17),
}


def seed(rng: random.Random) -> None:
    users = get_user_model().objects
    senior = users.create_user("bench-senior", password="x")  # noqa: S106
    set_role(senior, Role.SENIOR)
    moderators = []
    for i in range(12):
        user = users.create_user(f"bench-mod-{i}", password="x")  # noqa: S106
        set_role(user, Role.MODERATOR)
        moderators.append(user)
    persons = Person.objects.bulk_create(Person(name=f"Person {i}") for i in range(500))
    labels = list(Label.objects.filter(active=True))
    now = timezone.now()
    statuses = list(OUTCOMES)
    weights = [w for _a, w in OUTCOMES.values()]
    platforms = ["video-site", "tube", "shorts", "social", "messenger"]
    total = DECIDED + OPEN
    for start in range(0, total, BATCH):
        clips, plans = [], []
        for i in range(start, min(start + BATCH, total)):
            created = now - timedelta(minutes=rng.randrange(60 * 24 * DAYS))
            decided = i < DECIDED
            status = rng.choices(statuses, weights)[0] if decided else rng.choice(REVIEWABLE_STATES)
            wait = timedelta(minutes=min(rng.expovariate(1 / 360), 60 * 24 * 5))
            decided_at = min(created + wait, now) if decided else None
            escalated = decided and rng.random() < 0.06
            public_id = uuid.uuid4()
            clips.append(
                Clip(
                    public_id=public_id,
                    file=f"clips/{public_id.hex[:2]}/{public_id.hex}.mp4",
                    sha256=f"{i:064x}",
                    size_bytes=1_000_000,
                    platform=rng.choice(platforms),
                    status=status,
                    score=round(rng.random(), 3),
                    created_at=created,
                    decided_at=decided_at,
                )
            )
            person = rng.randrange(len(persons)) if rng.random() < 0.3 else -1
            plans.append((status, decided_at, escalated, person))
        with transaction.atomic():
            created_clips = Clip.objects.bulk_create(clips)
            decisions, links = [], []
            for clip, (status, decided_at, escalated, person) in zip(
                created_clips, plans, strict=True
            ):
                if person >= 0:
                    links.append(Clip.persons.through(clip=clip, person=persons[person]))
                if decided_at is None:
                    continue
                action = OUTCOMES[status][0]
                if escalated:
                    decisions.append(
                        Decision(
                            clip=clip,
                            action=DecisionAction.ESCALATE,
                            moderator=rng.choice(moderators),
                            reason="unsure",
                            created_at=clip.created_at + (decided_at - clip.created_at) / 2,
                        )
                    )
                decisions.append(
                    Decision(
                        clip=clip,
                        action=action,
                        moderator=senior if escalated else rng.choice(moderators),
                        created_at=decided_at,
                    )
                )
            Clip.persons.through.objects.bulk_create(links)
            created_decisions = Decision.objects.bulk_create(decisions)
            Decision.labels.through.objects.bulk_create(
                Decision.labels.through(decision=d, label=rng.choice(labels))
                for d in created_decisions
                if d.action == DecisionAction.LABEL
            )
            samples, seen = [], set()
            for d in created_decisions:
                if d.clip_id in seen or rng.random() >= 0.05:
                    seen.add(d.clip_id)
                    continue
                seen.add(d.clip_id)
                agree = rng.random() < 0.85
                samples.append(
                    AgreementSample(
                        clip_id=d.clip_id,
                        first_decision=d,
                        sampled_at=d.created_at,
                        second_moderator=moderators[0],
                        second_action=d.action if agree else DecisionAction.APPROVE,
                        reviewed_at=min(d.created_at + timedelta(hours=2), now),
                    )
                )
            AgreementSample.objects.bulk_create(samples)
            Appeal.objects.bulk_create(
                appeal(rng, d, moderators, now)
                for d in created_decisions
                if d.action != DecisionAction.ESCALATE and rng.random() < 0.02
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def appeal(rng: random.Random, decision: Decision, moderators: list, now) -> Appeal:
    """An appeal filed after the decision; 80 % reviewed by someone else, 30 % of those
    overturned."""
    filed = min(decision.created_at + timedelta(hours=rng.uniform(1, 48)), now)
    state, reviewer, reviewed = AppealState.OPEN, None, None
    if rng.random() < 0.8:
        state = AppealState.OVERTURNED if rng.random() < 0.3 else AppealState.UPHELD
        reviewer = rng.choice([m for m in moderators if m.pk != decision.moderator_id])
        reviewed = min(filed + timedelta(hours=rng.uniform(1, 24)), now)
    return Appeal(
        clip_id=decision.clip_id,
        decision=decision,
        statement="It is not what it looks like.",
        source=AppealSource.API,
        submitted_at=filed,
        state=state,
        reviewed_by=reviewer,
        reviewed_at=reviewed,
    )


def decide_in_this_hour(rng: random.Random, count: int = 20) -> None:
    """Clips decided minutes ago: their hour is stale until the next refresh, as on a live desk."""
    now = timezone.now()
    moderator = get_user_model().objects.get(username="bench-mod-0")
    start = Clip.objects.count()
    for i in range(count):
        arrived = now - timedelta(minutes=rng.uniform(30, 90))
        decided = min(arrived + timedelta(minutes=rng.uniform(5, 25)), now)
        public_id = uuid.uuid4()
        clip = Clip.objects.create(
            public_id=public_id,
            file=f"clips/{public_id.hex[:2]}/{public_id.hex}.mp4",
            sha256=f"{start + i:064x}",
            size_bytes=1_000_000,
            platform="tube",
            status=ClipStatus.APPROVED,
            created_at=arrived,
            decided_at=decided,
        )
        Decision.objects.create(
            clip=clip, action=DecisionAction.APPROVE, moderator=moderator, created_at=decided
        )


def compare_with_scratch(days: int) -> dict[str, object]:
    """The range's numbers from the summary against a computation from the desk's rows only."""
    today = timezone.localdate()
    form = DateRangeForm(
        {"start": (today - timedelta(days=days - 1)).isoformat(), "end": today.isoformat()}
    )
    assert form.is_valid()
    span = form.date_range()

    def numbers(team: metrics.TeamMetrics) -> dict:
        waits = team.time_to_decision()
        return {
            "throughput": team.throughput(),
            "counts": {k: v for k, v in waits.items() if k not in ("median", "p90")},
            "actions": team.decisions_by_action(),
            "moderators": team.per_moderator(),
            "labels": team.labels(),
            "persons": team.persons(),
            "platforms": team.platforms(),
            "percentiles": (waits["median"], waits["p90"]),
        }

    ours = numbers(metrics.TeamMetrics(span))
    scratch = numbers(metrics.TeamMetrics(span, use_summary=False))
    (median, p90), _ = metrics.percentiles(metrics._decided_in(span), "wait_s", [0.5, 0.9])
    errors = [
        abs(got.total_seconds() - exact) / exact
        for got, exact in zip(ours["percentiles"], (median, p90), strict=True)
    ]
    return {
        "equal": ours == scratch,
        "median_error_pct": round(100 * errors[0], 3),
        "p90_error_pct": round(100 * errors[1], 3),
    }


def measure(client: Client, params: dict[str, str]) -> tuple[float, float, int, float]:
    """(median ms, p95 ms, queries, median CPU ms of this process) over REPEATS requests."""
    timings, cpu, counts = [], [], set()
    client.get("/insight/", params)
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get("/insight/", params)
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, response.status_code
        timings.append(elapsed)
        counts.add(len(queries))
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    return (
        round(statistics.median(timings), 2),
        round(p95, 2),
        max(counts),
        round(statistics.median(cpu), 2),
    )


def main() -> None:
    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        if not Clip.objects.exists():
            seed(random.Random(7))
        seed_s = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        summary.refresh_all()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        build_s = round(time.perf_counter() - started, 1)
        decide_in_this_hour(random.Random(8))
        stale_hours = StaleHour.objects.values("hour").distinct().count()
        checked = compare_with_scratch(DAYS + 1), compare_with_scratch(7)
        client = Client()
        client.force_login(get_user_model().objects.get(username="bench-senior"))
        today = timezone.localdate()
        whole = {"start": (today - timedelta(days=DAYS)).isoformat(), "end": today.isoformat()}
        median, p95, queries, cpu = measure(client, whole)
        result: dict[str, object] = {
            "decided": Clip.objects.exclude(decided_at=None).count(),
            "decisions": Decision.objects.count(),
            "days": DAYS,
            "median_ms": median,
            "p95_ms": p95,
            "queries": queries,
            "cpu_median_ms": cpu,
            "appeals": Appeal.objects.count(),
            "appeals_decided": Appeal.objects.exclude(state=AppealState.OPEN).count(),
        }
        median, p95, queries, cpu = measure(client, {})
        result |= {
            "median_ms_7d": median,
            "p95_ms_7d": p95,
            "queries_7d": queries,
            "cpu_median_ms_7d": cpu,
        }
        result |= {
            "matches_scratch": all(check["equal"] for check in checked),
            "median_error_pct": checked[0]["median_error_pct"],
            "p90_error_pct": checked[0]["p90_error_pct"],
            "stale_hours": stale_hours,
        }
        # Other work on the machine slows every timing: say how busy it was.
        result["loadavg_1m"] = round(os.getloadavg()[0], 2)
        result["cpus"] = os.cpu_count()
        result["seed_s"] = seed_s
        result["summary_build_s"] = build_s
        print(json.dumps(result))
    finally:
        connection.close()
        if not KEEP:
            shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
