"""Browser tests: Playwright (sync API) driving Debian's chromium, headless, against
pytest-django's live_server. Never `playwright install`: the browser is the system's.

Every page is served with a strict Content-Security-Policy (no inline script or style), as
production will be, and a console message about a refused resource fails the test. A failing
test leaves a screenshot of each of its pages in test-artifacts/.
"""

import contextlib
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.files import File
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from dashboard.constants import ClipStatus
from dashboard.models import Clip
from dashboard.workflow import transition
from desk.ingest import Submission, ingest_upload
from detection.models import DetectorModel
from detection.synthetic import face_frames
from tests.conftest import PASSWORD
from tests.factories import DetectionRunFactory, DetectorModelFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'"
)
CLIP_SIZE = (320, 240)
CLIP_FPS = 25


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="package", autouse=True)
def allow_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; Django's ORM must still work.

    Set for this package only and removed afterwards: left in os.environ it would leak into
    the subprocesses of later tests (`manage.py check --deploy` refuses it, rightly).
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(allow_orm_beside_playwright: None) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install-system-packages")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server, request) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context (its own cookies): one per person in a test."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []
    problems: list[str] = []

    def make(width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        context.route("**/*", _with_strict_csp)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda msg: _collect_problem(msg.text, problems))
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        pages.append(page)
        return page

    make.problems = problems  # type: ignore[attr-defined]
    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::")[-1])
        for n, page in enumerate(pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{n}.png"), full_page=True)
            except Exception as exc:  # noqa: BLE001 - a screenshot must not hide the failure
                print(f"screenshot of page {n} failed: {exc}")
    for page in pages:
        # Leaving sends the review page's leave beacon now; a page that cannot leave is closed.
        with contextlib.suppress(Exception):
            page.goto("about:blank")
    for context in contexts:
        context.close()
    _wait_until_the_server_is_idle()


def _wait_until_the_server_is_idle(timeout: float = 5.0) -> None:
    """Wait for the live server's last requests (a leave beacon sent as a page closed) to end:
    on PostgreSQL the database flush after the test would otherwise deadlock with them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline, quiet = time.monotonic() + timeout, 0
    while quiet < 3 and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            busy = cursor.fetchone()[0]
        quiet = quiet + 1 if busy == 0 else 0
        time.sleep(0.1)


def _with_strict_csp(route, request) -> None:
    if request.resource_type != "document":
        route.continue_()
        return
    # Redirects go back to the browser, so its address bar shows where it really is.
    response = route.fetch(max_redirects=0)
    headers = {**response.headers, "content-security-policy": STRICT_CSP}
    route.fulfill(response=response, headers=headers)


def _collect_problem(text: str, problems: list[str]) -> None:
    if "Content Security Policy" in text or "Refused to" in text:
        problems.append(text)


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def write_h264_clip(path: Path, seed: int, seconds: float = 2.0) -> Path:
    """A real H.264 MP4 (Chromium plays it; mp4v it may not) of the synthetic face scene."""
    frames = round(seconds * CLIP_FPS)
    width, height = CLIP_SIZE
    encoder = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "bgr24",
            "-s",
            f"{width}x{height}",
            "-r",
            str(CLIP_FPS),
            "-i",
            "-",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(path),
        ],  # fmt: skip
        stdin=subprocess.PIPE,
    )
    assert encoder.stdin is not None
    for frame in face_frames(frames, CLIP_SIZE, seed=seed):
        encoder.stdin.write(frame.tobytes())
    encoder.stdin.close()
    assert encoder.wait() == 0, "ffmpeg failed to encode the test clip"
    return path


@pytest.fixture(scope="session")
def h264_clips(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("h264")
    return [write_h264_clip(folder / f"face-{seed}.mp4", seed) for seed in (11, 12, 13)]


@pytest.fixture(autouse=True)
def label_taxonomy(seeded_labels) -> None:
    """Every browser test sees the seeded label taxonomy (tests/conftest.py)."""


@pytest.fixture
def make_review_clip(reporter) -> Callable[..., Clip]:
    """A clip ingested through the real upload service, then scored by hand (a detection run
    with a timeline at 0, 0.5, 1.0 and 1.5 s and face crops) and put in the review queue."""
    models: dict[str, DetectorModel] = {}

    def make(path: Path, score: float, caption: str = "") -> Clip:
        with path.open("rb") as fh:
            result = ingest_upload(
                File(fh, name=path.name),
                Submission(platform="video-site", caption=caption, subjects=("Ana Example",)),
                reporter,
            )
        clip = result.clip
        assert clip.codec.lower() in ("h264", "avc1"), clip.codec
        if "model" not in models:
            models["model"] = DetectorModelFactory()
        DetectionRunFactory(
            clip=clip, model=models["model"], scores=[score / 4, score / 2, score, score * 0.8]
        )
        # Into the queue as the scoring task puts it there: through the state machine.
        transition(clip.pk, ClipStatus.SCORING, actor_label="test", expected_from=("queued",))
        return transition(
            clip.pk,
            ClipStatus.AWAITING_REVIEW,
            actor_label="test",
            fields={"score": score, "priority": 100 * score},
        ).clip

    return make
