"""Keyboard-only review against a live desk: keys per decision and time to the next clip.

    .venv/bin/python bench/review_keys.py                 # 20 decisions (the issue's median of 20)
    .venv/bin/python bench/review_keys.py --decisions 5

Starts the desk as `make run` serves it (`manage.py runserver`, threaded, on a fresh SQLite
database in a temporary var/), seeds one moderator and `--decisions` + 2 H.264 clips awaiting
review (each ingested through the upload service, with a finished detector run), then drives
Debian's Chromium through Playwright, keyboard only: `n` opens the first clip, then each clip is
decided in turn — approve (a, Enter), label (l, 1, Enter), remove (r, 1, Enter), cycling — and the
clock runs from the key that commits the decision (Enter) until the next clip's heading is
visible. The first five decisions are checked against the issue's key budget (approve 2 keys,
label or remove at most 3, nothing preselected).

Prints ONE JSON line: keys per action, the median, p95 and max ms from the decision key to the
next clip visible, the decisions timed, the load average and the CPU count. Target: median
under 300 ms.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from bench._server import BenchServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-review-keys-password"  # noqa: S105 - a throwaway account on a throwaway db
# Keys after the one that opens the dialog: the commit key is always the last.
PLANS = {
    "approve": ["a", "Enter"],
    "label": ["l", "1", "Enter"],
    "remove": ["r", "1", "Enter"],
}
ORDER = ["approve", "label", "remove"]

SEED = """
import tempfile
from pathlib import Path
from django.core.files import File
from dashboard.constants import ClipStatus
from dashboard.workflow import transition
from desk.ingest import Submission, ingest_upload
from detection.synthetic import make_clip
from tests.factories import DetectionRunFactory, DetectorModelFactory

model = DetectorModelFactory()
with tempfile.TemporaryDirectory() as tmp:
    for n in range({clips}):
        path = make_clip(Path(tmp) / f"bench-{{n}}.mp4", kind="face", seconds=2.0, seed=100 + n,
                         size=(320, 240), codec="h264")
        with path.open("rb") as fh:
            clip = ingest_upload(File(fh, name=path.name), Submission(platform="bench"), None).clip
        DetectionRunFactory(clip=clip, model=model, scores=[0.2, 0.5, 0.9, 0.7])
        transition(clip.pk, ClipStatus.SCORING, actor_label="bench", expected_from=("queued",))
        transition(clip.pk, ClipStatus.AWAITING_REVIEW, actor_label="bench",
                   fields={{"score": 0.9, "priority": 1000 - n}})
print("seeded")
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def heading_id(page) -> str:
    return page.evaluate("(document.querySelector('#review h1') || {}).textContent || ''")


def drive(url: str, decisions: int) -> dict:
    from playwright.sync_api import expect, sync_playwright

    timings: list[float] = []
    keys: dict[str, int] = {}
    preselected = 0
    phases: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(base_url=url, viewport={"width": 1440, "height": 900})
        page.set_default_timeout(15_000)
        decide_requests: list[float] = []

        def on_finished(request) -> None:
            if request.method == "POST" and "/decide/" in request.url:
                decide_requests.append(request.timing["responseEnd"])

        page.on("requestfinished", on_finished)
        marks = {}
        def mark(name):
            marks.setdefault(name, time.perf_counter())
        page.on("request", lambda r: mark("post_sent") if (r.method == "POST" and "/decide/" in r.url) else (mark("get_sent") if r.resource_type == "document" else None))
        page.on("response", lambda r: mark("post_resp") if (r.request.method == "POST" and "/decide/" in r.url) else (mark("get_resp") if r.request.resource_type == "document" else None))
        page.on("requestfinished", lambda r: mark("post_done") if (r.method == "POST" and "/decide/" in r.url) else None)
        page.on("domcontentloaded", lambda p: mark("dcl"))
        page.on("load", lambda p: mark("load"))
        allmarks = []
        page.goto("/login/")
        page.get_by_label("Username").fill("moderator")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_selector("#next-clip-form")
        page.keyboard.press("n")
        page.wait_for_selector("#review h1")
        for n in range(decisions):
            action = ORDER[n % len(ORDER)]
            plan = PLANS[action]
            before = heading_id(page)
            for key in plan[:-1]:
                page.keyboard.press(key)
                if key in ("a", "l", "r"):
                    dialog = page.locator("dialog[open]")
                    expect(dialog).to_have_count(1)
                    preselected += dialog.locator("input:checked").count()
            marks.clear()
            started = time.perf_counter()
            page.keyboard.press(plan[-1])
            # The next clip is visible: a review page whose heading names another clip.
            page.wait_for_function(
                "([before]) => { const h = document.querySelector('#review h1');"
                " return h && h.textContent !== before && h.getBoundingClientRect().height > 0; }",
                arg=[before],
                polling="raf",
            )
            timings.append((time.perf_counter() - started) * 1000)
            allmarks.append({k: round((v - started) * 1000, 1) for k, v in sorted(marks.items(), key=lambda kv: kv[1])} | {"visible": round(timings[-1], 1)})
            keys[action] = len(plan)
            nav = page.evaluate(
                "(() => { const e = performance.getEntriesByType('navigation')[0];"
                " return [e.startTime, e.requestStart, e.responseStart, e.responseEnd,"
                " e.domContentLoadedEventEnd]; })()"
            )
            # The next page's own navigation (the decision's answer came before it started).
            phases.append(
                {
                    "decide_ms": round(timings[-1] - (nav[4] - nav[0]), 1),
                    "next_page_ttfb_ms": round(nav[2] - nav[1], 1),
                    "next_page_dom_ms": round(nav[4] - nav[2], 1),
                }
            )
        browser.close()
        for m in allmarks: print(m, file=sys.stderr)
    for phase, request_ms in zip(phases, decide_requests, strict=False):
        phase["decide_request_ms"] = round(request_ms, 1)
    return {"timings": timings, "keys": keys, "preselected": preselected, "phases": phases}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=20)
    args = parser.parse_args()
    # Threaded, as `make run` serves the desk.
    with BenchServer({"LOG_LEVEL": "WARNING"}, threaded=True) as server:
        server.manage("add_moderator", "moderator", "--role", "moderator", "--password", PASSWORD)
        server.manage("shell", "-c", SEED.format(clips=args.decisions + 2))
        result = drive(server.url, args.decisions)
    timings = result["timings"]
    return {
        "bench": "review_keys",
        "decisions": len(timings),
        "keys_per_decision": result["keys"],
        "preselected_choices": result["preselected"],
        "next_clip_visible_ms_median": round(statistics.median(timings), 1),
        "next_clip_visible_ms_p95": round(percentile(timings, 0.95), 1),
        "next_clip_visible_ms_max": round(max(timings), 1),
        "first_five_ms": [round(t, 1) for t in timings[:5]],
        # Where the time goes, medians: from the key to the next page's start (the decision's
        # POST, decide + claim next, and the page's own work), the
        # next page's time to first byte, and from its first byte to DOMContentLoaded.
        "phases_median_ms": {
            name: round(statistics.median(p[name] for p in result["phases"]), 1)
            for name in ("decide_ms", "next_page_ttfb_ms", "next_page_dom_ms")
        },
        # The decision's POST alone, request start to response end (Chromium's timing).
        "decide_request_ms_median": round(
            statistics.median(p.get("decide_request_ms", 0) for p in result["phases"]), 1
        ),
        "target_ms": 300,
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
