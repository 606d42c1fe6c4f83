"""Time the case page, the account page and the accounts API on a seeded desk (SQLite).

    .venv/bin/python bench/case_page.py --clips 100000        # the issue's size
    .venv/bin/python bench/case_page.py --clips 10000         # a small run on a shared machine

Seeds `--clips` clips (70 % awaiting review, 20 % removed, 10 % labelled, each decided one with
its Decision), one account per 20 clips (5,000 at 100,000), one case per 50 clips (2,000 at
100,000) whose copies matched one banked entry each, and one large case of `--big-case` copies
(500) — every copy with its BankMatch. Then times, as a logged-in senior through
django.test.Client, each after a warm-up request: the case page of the large case and of a
small one (the query counts must be equal: independent of case size), the account page of the
busiest account, the API's account list and one account's items, the open cases list page,
the cases API's first page and the large case in the API.

Prints ONE JSON line: per operation the median and p95 in ms and the query count, plus the
sizes, seed_s, the load average and the CPU count. Target: the case page of 500 copies < 100 ms.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import timedelta  # noqa: E402
from typing import Any  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--clips", type=int, default=100_000)
parser.add_argument("--big-case", type=int, default=500)
parser.add_argument("--repeats", type=int, default=20)
ARGS = parser.parse_args()
os.environ.setdefault("UNMASK_API_RATE_TOKEN", "1000000/minute")

from bench._standalone import setup_django  # noqa: E402

setup_django("case_page")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboard.constants import ClipStatus, DecisionAction, Role  # noqa: E402
from dashboard.models import Account, Clip, Decision  # noqa: E402
from dashboard.roles import set_role  # noqa: E402
from provenance.models import (  # noqa: E402
    BankEntry,
    BankMatch,
    Case,
    CaseMember,
    CaseSource,
    EntrySource,
    HashBank,
)

BATCH = 2_000


def seed(rng: random.Random) -> dict[str, int]:
    users = get_user_model().objects
    moderator = users.create_user("bench-moderator", password="x")  # noqa: S106
    set_role(moderator, Role.MODERATOR)
    senior = users.create_user("bench-senior", password="x")  # noqa: S106
    set_role(senior, Role.SENIOR)
    n_accounts = max(1, ARGS.clips // 20)
    n_cases = max(1, ARGS.clips // 50)
    now = timezone.now()
    accounts = Account.objects.bulk_create(
        Account(platform=f"platform-{i % 5}", account_id=f"acct-{i}", handle=f"@user{i}")
        for i in range(n_accounts)
    )
    statuses = rng.choices(
        [ClipStatus.AWAITING_REVIEW, ClipStatus.REMOVED, ClipStatus.LABELED],
        weights=[70, 20, 10],
        k=ARGS.clips,
    )
    clips: list[Clip] = []
    for i, status in enumerate(statuses):
        created = now - timedelta(minutes=ARGS.clips - i)
        clips.append(
            Clip(
                file=f"clips/bench/{i}.mp4",
                sha256=f"{i:064x}",
                size_bytes=1000,
                platform=f"platform-{i % 5}",
                reach=rng.randrange(100, 2_000_000),
                status=status,
                score=rng.random(),
                priority=rng.random() * 100,
                account=rng.choice(accounts),
                created_at=created,
                decided_at=created + timedelta(minutes=5) if status != "awaiting_review" else None,
            )
        )
    with transaction.atomic():
        clips = Clip.objects.bulk_create(clips, batch_size=BATCH)
    action = {ClipStatus.REMOVED: DecisionAction.REMOVE, ClipStatus.LABELED: DecisionAction.LABEL}
    with transaction.atomic():
        Decision.objects.bulk_create(
            (
                Decision(clip=c, action=action[c.status], moderator=moderator, reason="bench")
                for c in clips
                if c.status in action
            ),
            batch_size=BATCH,
        )
    bank = HashBank.objects.create(name="bench fakes")
    entries = BankEntry.objects.bulk_create(
        BankEntry(bank=bank, source=EntrySource.IMPORT, frame_hashes=b"", title=f"fake {i}")
        for i in range(n_cases + 1)
    )
    cases = Case.objects.bulk_create(Case(title=e.title) for e in entries)
    for case, entry in zip(cases, entries, strict=True):
        case.entries.add(entry)
    small_cases = cases[1:]
    order = list(range(len(clips)))
    rng.shuffle(order)
    members: list[CaseMember] = []
    matches: list[BankMatch] = []
    # The large case, then about one clip in four spread over the other cases.
    picked = order[: ARGS.big_case + ARGS.clips // 4]
    for rank, index in enumerate(picked):
        case_index = 0 if rank < ARGS.big_case else 1 + rank % len(small_cases)
        clip, case = clips[index], cases[case_index]
        members.append(CaseMember(case=case, clip=clip, source=CaseSource.MATCH))
        share = 0.3 + rng.random() * 0.7
        matches.append(
            BankMatch(
                clip=clip,
                entry=entries[case_index],
                query_share=share,
                bank_share=share,
                best_distance=rng.randrange(0, 40),
                matched_frames=20,
            )
        )
    with transaction.atomic():
        CaseMember.objects.bulk_create(members, batch_size=BATCH)
        BankMatch.objects.bulk_create(matches, batch_size=BATCH)
    return {"accounts": n_accounts, "cases": n_cases + 1, "case_members": len(members)}


def timed(request: Callable[[], Any]) -> dict[str, float]:
    request()  # warm the caches the way a working desk has them
    timings, cpu, counts = [], [], set()
    for _ in range(ARGS.repeats):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = request()
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, (response.status_code, response.content[:300])
        timings.append(elapsed)
        counts.add(len(queries))
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(p95, 2),
        # CPU time of this process (SQLite runs in it): less skewed by a shared machine's load.
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "queries": max(counts),
    }


def main() -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    result: dict[str, object] = {"clips": ARGS.clips, "database": connection.vendor}
    result.update(seed(random.Random(7)))
    result["seed_s"] = round(time.perf_counter() - started, 1)
    senior = Client()
    senior.force_login(get_user_model().objects.get(username="bench-senior"))
    sizes = Case.objects.annotate(n=Count("members")).order_by("-n")
    big = sizes.first()
    small = sizes.filter(n__gte=2).last()
    result["big_case_copies"] = big.n
    result["small_case_copies"] = small.n
    result["case_page_big"] = timed(lambda: senior.get(f"/cases/{big.public_id}/"))
    result["case_page_small"] = timed(lambda: senior.get(f"/cases/{small.public_id}/"))
    busiest = Account.objects.annotate(n=Count("clips")).order_by("-n").first()
    result["account_items"] = busiest.n
    result["account_page"] = timed(lambda: senior.get(f"/accounts/{busiest.pk}/"))
    result["api_accounts_50"] = timed(lambda: senior.get("/api/v1/accounts/"))
    result["api_account_items_25"] = timed(
        lambda: senior.get(f"/api/v1/accounts/{busiest.pk}/items/")
    )
    # The open cases, 50 a page, as the desk and the API list them (provenance.cases).
    result["cases_list_page"] = timed(lambda: senior.get("/cases/"))
    result["api_cases_50"] = timed(lambda: senior.get("/api/v1/cases/"))
    result["api_case_big"] = timed(lambda: senior.get(f"/api/v1/cases/{big.public_id}/"))
    result["query_counts_independent_of_case_size"] = (
        result["case_page_big"]["queries"] == result["case_page_small"]["queries"]
    )
    result["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    result["cpus"] = os.cpu_count()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
