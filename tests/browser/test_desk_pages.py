"""Every desk page in a real browser: the pages where a person decides (two-person
confirmation, appeal, second opinion) play the clip; blur holds on every page that shows media;
no page scrolls sideways on a 390 px phone; and axe-core finds no serious or critical
accessibility violation on any of them.

The Django admin (/admin/) and Swagger UI (/api/docs/) are excluded from the overflow and axe
runs: they are third-party pages the desk does not style (and Swagger UI is tested for CSP in
test_api_docs.py). axe-core is the vendored copy in tests/browser/vendor/ (README there),
injected with page.add_script_tag into a context opened with bypass_csp=True: nothing is
fetched from the internet.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from dashboard.claims import claim_clip
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import Clip, Person
from insight.models import AgreementSample
from teamwork.appeals import file_appeal
from teamwork.models import Appeal, EvidencePack, PendingDecision, TwoPersonPolicy
from tests.browser.conftest import ARTIFACTS, STRICT_CSP, _with_strict_csp, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE_WIDTH = 390


@dataclass
class DeskWorld:
    pending: PendingDecision  # a removal of a protected person, awaiting a second moderator
    appeal: Appeal  # an appeal against moderator's removal of another clip
    sample: AgreementSample  # moderator's approval of a third clip, sampled for a 2nd opinion
    pack: EvidencePack
    person: Person
    clip: Clip  # a clip still in the queue


@pytest.fixture
def desk_world(moderator, moderator2, senior, make_review_clip, h264_clips, h264_copy) -> DeskWorld:
    """Clips with real H.264 media in each state a deciding page shows, through the services."""
    TwoPersonPolicy.objects.get_or_create(
        name="Protected person: remove or approve",
        defaults={"actions": ["remove", "approve"], "protected_person": True},
    )
    held = make_review_clip(h264_clips[0], 0.93, caption="held for a second moderator")
    person = Person.objects.get(name="Ana Example")
    appealed = make_review_clip(h264_clips[1], 0.91, caption="appealed")
    sampled = make_review_clip(h264_clips[2], 0.2, caption="second opinion")
    waiting = make_review_clip(h264_clips[0].with_name("again.mp4"), 0.4, caption="waiting")
    # The appealed and sampled clips are decided before Ana is protected: no second moderator.
    for clip, request in (
        (appealed, DecisionRequest("remove", reason="Impersonation or fraud", note="Not her")),
        (sampled, DecisionRequest("approve")),
    ):
        claim_clip(clip.pk, moderator)
        apply_decision(clip.pk, moderator, request)
    Person.objects.filter(pk=person.pk).update(protected=True)
    claim_clip(held.pk, moderator)
    apply_decision(held.pk, moderator, DecisionRequest("remove", reason="Impersonation or fraud"))
    appeal = file_appeal(appealed.pk, moderator, "It is a parody.", appellant="uploader")
    sample = AgreementSample.objects.create(clip=sampled, first_decision=sampled.decisions.get())
    pack = EvidencePack.objects.create(clip=appealed, requested_by=senior)
    return DeskWorld(
        pending=PendingDecision.objects.get(clip=held),
        appeal=appeal,
        sample=sample,
        pack=pack,
        person=person,
        clip=waiting,
    )


@pytest.fixture(scope="session")
def h264_copy(h264_clips) -> None:
    """A fourth file (a distinct SHA-256) for the clip still waiting in the queue."""
    source = h264_clips[0]
    target = source.with_name("again.mp4")
    if not target.exists():
        target.write_bytes(source.read_bytes() + b"\0")


@pytest.fixture
def open_context(browser: Browser, live_server) -> Iterator[Callable[..., BrowserContext]]:
    contexts: list[BrowserContext] = []

    def make(width: int = 1280, height: int = 900, *, axe: bool = False) -> BrowserContext:
        # axe is injected as a script the strict CSP would refuse: bypass it for that run only.
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            bypass_csp=axe,
            has_touch=width <= PHONE_WIDTH,
            is_mobile=width <= PHONE_WIDTH,
        )
        if not axe:
            context.route("**/*", _with_strict_csp)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def desk_pages(world: DeskWorld) -> dict[str, tuple[str, str]]:
    """Every desk page (a name: the user who opens it and its path), admin and Swagger UI
    excepted (module docstring)."""
    clip = world.clip.public_id
    decided = world.appeal.clip.public_id
    return {
        "queue": ("moderator", "/"),
        "upload": ("moderator", "/clips/new/"),
        "review": ("moderator2", f"/clips/{clip}/"),
        "decided clip": ("moderator2", f"/clips/{decided}/"),
        "person": ("moderator", f"/persons/{world.person.pk}/"),
        "confirmations": ("moderator2", "/team/confirmations/"),
        "confirmation": ("moderator2", f"/team/confirmations/{world.pending.pk}/"),
        "appeals": ("senior", "/team/appeals/"),
        "appeal": ("senior", f"/team/appeals/{world.appeal.pk}/"),
        "new appeal": ("senior", f"/team/clips/{decided}/appeal/"),
        "evidence pack": ("senior", f"/team/evidence/{world.pack.pk}/"),
        "second opinions": ("moderator2", "/insight/second-opinions/"),
        "second opinion": ("moderator2", f"/insight/second-opinions/{world.sample.pk}/"),
        "escalations": ("senior", "/escalations/"),
        "audit log": ("senior", "/audit/"),
        "SLA": ("senior", "/team/sla/"),
        "team dashboard": ("senior", "/insight/"),
        "calibration": ("senior", "/insight/calibration/"),
        "references": ("senior", "/provenance/references/"),
        "profile": ("moderator", "/account/profile/"),
        "two-factor": ("moderator", "/account/two-factor/"),
        "not found": ("moderator", "/no-such-page/"),
    }


# Pages that show a clip's media, and so must hold the blur.
MEDIA_PAGES = ("queue", "review", "confirmation", "appeal", "second opinion")


def _pages_by_user(
    open_context: Callable[..., BrowserContext], width: int, axe: bool = False
) -> Callable[[str], Page]:
    pages: dict[str, Page] = {}

    def page_for(username: str) -> Page:
        if username not in pages:
            page = open_context(width, 900, axe=axe).new_page()
            page.set_default_timeout(15_000)
            log_in(page, username)
            pages[username] = page
        return pages[username]

    return page_for


def _play_and_advance(page: Page) -> None:
    video = page.locator("video[data-panel-player]")
    expect(video).to_have_count(1)
    page.wait_for_function(
        "() => document.querySelector('video[data-panel-player]').readyState >= 2"
    )
    assert video.evaluate("v => v.muted") is True  # muted until the moderator unmutes it
    start = video.evaluate("v => v.currentTime")
    page.keyboard.press("Space")  # the panel's key, as on the review page
    page.wait_for_function(
        f"() => document.querySelector('video[data-panel-player]').currentTime > {start} + 0.2"
    )


def test_confirmation_and_appeal_pages_play_the_clip(desk_world, open_context):
    page_for = _pages_by_user(open_context, 1280)
    pages = desk_pages(desk_world)
    for name in ("confirmation", "appeal", "second opinion"):
        username, path = pages[name]
        page = page_for(username)
        page.goto(path)
        _play_and_advance(page)
        # The same evidence as the review page: signals, the timeline, reports, the faces.
        panel = page.locator("[data-review-panel]")
        expect(panel.locator("[data-suspicion]")).to_be_visible()
        expect(panel.locator("svg.timeline")).to_be_visible()
        expect(panel.locator("[data-media-words]")).to_contain_text("H.264 video, 320×240, 2 s")
        score = panel.locator("[data-panel-score]").inner_text()
        assert len(score.split()[0].split(".")[-1]) <= 2, score  # no raw floats
    # A second opinion is blind: no decisions, no history.
    assert page.locator("#panel-history-title").count() == 0


def test_confirmation_keys_and_withdraw_only_for_the_proposer(desk_world, open_context):
    page_for = _pages_by_user(open_context, 1280)
    pending = desk_world.pending
    second = page_for("moderator2")
    second.goto(f"/team/confirmations/{pending.pk}/")
    expect(second.get_by_role("heading", name="Withdraw")).to_have_count(0)
    second.keyboard.press("r")  # the proposed action's key goes to "Confirm remove"
    expect(second.get_by_role("button", name="Confirm remove")).to_be_focused()
    second.keyboard.press("Enter")
    second.wait_for_url("**/team/confirmations/")
    pending.refresh_from_db()
    assert pending.state == "confirmed"

    # The senior opening an appeal chooses the outcome by key, then writes the reason.
    senior = page_for("senior")
    senior.goto(f"/team/appeals/{desk_world.appeal.pk}/")
    senior.keyboard.press("u")
    expect(senior.locator("input[name=outcome][value=upheld]")).to_be_checked()
    expect(senior.locator("[name=reason]")).to_be_focused()


def test_proposer_is_offered_withdraw(desk_world, open_context):
    page = _pages_by_user(open_context, 1280)("moderator")
    page.goto(f"/team/confirmations/{desk_world.pending.pk}/")
    expect(page.get_by_role("heading", name="Withdraw")).to_be_visible()
    page.keyboard.press("w")
    expect(page.get_by_label("Why")).to_be_focused()


def test_blur_holds_on_every_media_page(desk_world, open_context):
    page_for = _pages_by_user(open_context, 1280)
    pages = desk_pages(desk_world)
    for name in MEDIA_PAGES:
        username, path = pages[name]
        page = page_for(username)
        page.goto(path)
        media = page.locator(".sensitive")
        assert media.count() > 0, name
        assert page.evaluate("document.body.classList.contains('blur-media')"), name
        filters = media.evaluate_all("els => els.map(e => getComputedStyle(e).filter)")
        assert all("blur" in f for f in filters), (name, filters)
        for muted in page.locator("video").evaluate_all("vs => vs.map(v => v.muted)"):
            assert muted, name
        toggle = page.locator(".topbar [data-blur-toggle]")
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-pressed", "false")
    # Where nothing is shown there is no toggle claiming a state.
    page = page_for("senior")
    page.goto(pages["audit log"][1])
    expect(page.locator(".topbar [data-blur-toggle]")).to_be_hidden()

    # Revealed on one page, revealed on the next; greyscale-only shows no blur at all.
    page = page_for("moderator2")
    page.goto(pages["confirmation"][1])
    page.locator(".topbar [data-blur-toggle]").click()
    page.wait_for_timeout(300)
    page.goto(pages["second opinion"][1])
    assert not page.evaluate("document.body.classList.contains('blur-media')")
    page.locator(".topbar [data-blur-toggle]").click()
    page.wait_for_timeout(300)
    page.goto("/account/profile/")
    page.get_by_label("Greyscale only: show media without colour instead of blurring it").check()
    page.get_by_role("button", name="Save wellness settings").click()
    page.goto(pages["second opinion"][1])
    video_filter = page.locator("video.sensitive").evaluate("v => getComputedStyle(v).filter")
    assert video_filter == "grayscale(1)", video_filter
    expect(page.locator(".veil").first).to_be_hidden()


def test_phone_gets_a_tap_control_not_a_key(desk_world, open_context):
    page = _pages_by_user(open_context, PHONE_WIDTH)("moderator2")
    page.goto(f"/team/confirmations/{desk_world.pending.pk}/")
    veil = page.locator(".player .veil").first
    expect(veil.locator(".veil-touch")).to_be_visible()
    expect(veil.locator(".veil-keys")).to_be_hidden()
    veil.tap()
    assert not page.evaluate("document.body.classList.contains('blur-media')")


def test_no_page_scrolls_sideways_on_a_phone(desk_world, open_context):
    page_for = _pages_by_user(open_context, PHONE_WIDTH)
    wide = {}
    for name, (username, path) in desk_pages(desk_world).items():
        page = page_for(username)
        page.goto(path)
        page.wait_for_load_state("load")
        assert urlsplit(page.url).path == path, (name, page.url)  # not sent elsewhere
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"overflow-{name}.png"), full_page=True)
            wide[name] = width
    assert wide == {}


def test_axe_finds_no_serious_violation_on_any_desk_page(desk_world, open_context):
    assert STRICT_CSP  # the other tests run under it; this one bypasses it to inject axe
    page_for = _pages_by_user(open_context, 1280, axe=True)
    found = {}
    checked_axe_fails = False
    for name, (username, path) in desk_pages(desk_world).items():
        page = page_for(username)
        page.goto(path)
        page.wait_for_load_state("load")
        assert urlsplit(page.url).path == path, (name, page.url)  # not sent elsewhere
        page.add_script_tag(path=str(AXE))
        if not checked_axe_fails:
            # The check can fail: an image without a text alternative is a critical violation.
            page.evaluate(
                "() => document.body.insertAdjacentHTML('beforeend', "
                "'<img id=axe-probe src=/static/no.png>')"
            )
            assert any(v.startswith("image-alt") for v in _serious_violations(page))
            page.evaluate("() => document.getElementById('axe-probe').remove()")
            checked_axe_fails = True
        if violations := _serious_violations(page):
            found[name] = violations
    assert found == {}


def _serious_violations(page: Page) -> list[str]:
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
              .filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => v.id + ": " + v.nodes.slice(0, 3)
                .map(n => n.target.join(" ")).join(" | "));
        }"""
    )
