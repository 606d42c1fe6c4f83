"""The review flow in a real browser (issue 17): looking claims nothing and another moderator's
Next clip still gets the clip; s starts the review and leaving the page gives the clip back (a
pagehide beacon); space on the focused video plays it once; Remove has no default policy and
number keys pick; the page updates itself when scoring finishes; at 1440×900 the playing clip,
its timeline and the strongest evidence are all on screen, and on a phone the timeline's points
are tappable."""

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip, Decision
from dashboard.workflow import transition
from tests.browser.conftest import log_in
from tests.factories import ScoredClipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def holder_of(clip: Clip, until: float = 5.0) -> str | None:
    """Who holds `clip` once it stops changing (the beacon is asynchronous)."""
    deadline = time.monotonic() + until
    holder = Clip.objects.get(pk=clip.pk).claimed_by
    while holder is not None and time.monotonic() < deadline:
        time.sleep(0.1)
        holder = Clip.objects.get(pk=clip.pk).claimed_by
    return holder.username if holder else None


def wait_until(page: Page, expression: str, timeout: float = 5.0) -> None:
    """Poll `expression` from Python: wait_for_function re-evaluates a string with eval, which
    the strict CSP refuses once the first check is false."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(50)


def in_viewport(page: Page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not displayed"
    view = page.viewport_size
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= view["width"] + 0.5, (selector, box)
    assert box["y"] + box["height"] <= view["height"] + 0.5, (selector, box)
    return box


def test_viewing_claims_nothing_and_another_moderators_next_clip_gets_it(
    new_page, moderator, moderator2, make_review_clip, h264_clips
):
    clip = make_review_clip(h264_clips[0], 0.9)
    events = AuditEvent.objects.filter(clip=clip).count()
    looker = new_page()
    log_in(looker, "moderator")
    looker.goto(f"/clips/{clip.public_id}/")
    expect(looker.get_by_role("button", name="Start review")).to_be_visible()
    expect(looker.get_by_text("Looking only")).to_be_visible()
    assert Clip.objects.get(pk=clip.pk).claimed_by is None
    assert AuditEvent.objects.filter(clip=clip).count() == events  # viewing is not audited

    other = new_page()
    log_in(other, "moderator2")
    other.get_by_role("button", name="Next clip").click()
    other.wait_for_url(f"**/clips/{clip.public_id}/")
    expect(other.get_by_text("Held by you until")).to_be_visible()
    assert Clip.objects.get(pk=clip.pk).claimed_by.username == "moderator2"

    # The looker's first decision is now refused (the claim changed the clip); nothing is decided.
    looker.keyboard.press("a")
    looker.keyboard.press("Enter")
    refused = looker.get_by_role("alert").filter(has_text="changed since you opened it")
    expect(refused.first).to_be_visible()
    assert not Decision.objects.exists()
    assert new_page.problems == []


def test_start_review_then_leaving_the_page_releases_the_claim(
    new_page, moderator, make_review_clip, h264_clips
):
    clip = make_review_clip(h264_clips[0], 0.9)
    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    page.keyboard.press("s")
    expect(page.get_by_text("Held by you until")).to_be_visible()
    expect(page.get_by_role("button", name="Start review")).to_be_hidden()
    assert Clip.objects.get(pk=clip.pk).claimed_by.username == "moderator"

    # A reload keeps the claim: the new page renewed the lease the old page's beacon names.
    page.reload()
    expect(page.get_by_text("Held by you until")).to_be_visible()
    page.wait_for_timeout(500)
    assert Clip.objects.get(pk=clip.pk).claimed_by.username == "moderator"

    # Leaving for another clip gives it back at once, audited as a release.
    other = make_review_clip(h264_clips[1], 0.5)
    page.goto(f"/clips/{other.public_id}/")
    page.keyboard.press("s")
    expect(page.get_by_text("Held by you until")).to_be_visible()
    page.wait_for_timeout(300)
    assert holder_of(clip) is None  # the first clip was given back on leaving it
    # A decision after Start review is based on the claimed version: a, Enter approves.
    page.keyboard.press("a")
    page.keyboard.press("Enter")
    # ... and the next clip (the first one, free again) opens claimed, as Next clip does.
    page.wait_for_url(f"**/clips/{clip.public_id}/")
    assert Clip.objects.get(pk=other.pk).status == ClipStatus.APPROVED
    expect(page.get_by_text("Held by you until")).to_be_visible()
    page.get_by_role("link", name="Queue").first.click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    assert holder_of(clip) is None
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.AWAITING_REVIEW
    assert AuditEvent.objects.filter(clip=clip, action="claim.released").count() == 2
    expect(page.locator(".messages, [role=status]").filter(has_text="hold")).to_have_count(0)
    assert new_page.problems == []


def test_space_on_the_focused_video_plays_it(new_page, moderator, make_review_clip, h264_clips):
    clip = make_review_clip(h264_clips[0], 0.9)
    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    wait_until(page, "document.getElementById('player').readyState >= 2")
    page.keyboard.press("b")  # reveal, so the native controls are reachable
    page.locator("#player").focus()
    page.keyboard.press("Space")
    wait_until(page, "!document.getElementById('player').paused")
    page.wait_for_timeout(400)  # a second toggle would have paused it again by now
    assert page.evaluate("document.getElementById('player').paused") is False
    page.keyboard.press("Space")
    wait_until(page, "document.getElementById('player').paused")
    assert new_page.problems == []


def test_remove_has_no_default_policy_and_number_keys_pick(
    new_page, moderator, make_review_clip, h264_clips
):
    first = make_review_clip(h264_clips[0], 0.9)
    second = make_review_clip(h264_clips[1], 0.8)
    page = new_page()
    log_in(page, "moderator")
    page.get_by_role("button", name="Next clip").click()
    page.wait_for_url(f"**/clips/{first.public_id}/")

    # The hurried ↓, Enter picks nothing and decides nothing.
    page.keyboard.press("r")
    dialog = page.locator("#dlg-remove")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=reason]:checked")).to_have_count(0)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=reason]:checked")).to_have_count(0)
    assert Clip.objects.get(pk=first.pk).status == ClipStatus.IN_REVIEW

    # 3 picks the third policy; Enter removes: r, 3, Enter.
    page.keyboard.press("3")
    expect(page.get_by_role("radio", name="Harmful manipulation of a real person")).to_be_checked()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/clips/{second.public_id}/")
    assert Decision.objects.get(clip=first).reason == "Harmful manipulation of a real person"

    # On the next clip the policy used last comes first, marked, but not chosen.
    page.keyboard.press("r")
    radios = page.locator("#dlg-remove input[name=reason]")
    expect(radios.first).to_have_attribute("value", "Harmful manipulation of a real person")
    expect(page.locator("#dlg-remove .recent")).to_have_count(1)
    expect(page.locator("#dlg-remove input[name=reason]:checked")).to_have_count(0)
    page.keyboard.press("Escape")
    assert new_page.problems == []


def test_the_review_page_updates_when_scoring_finishes(new_page, moderator):
    clip = ScoredClipFactory(
        status=ClipStatus.SCORING, score=None, scoring_done=2, scoring_total=10
    )
    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    expect(page.get_by_text("the page updates itself")).to_be_visible()
    expect(page.get_by_role("button", name="Start review")).to_have_count(0)
    transition(
        clip.pk,
        ClipStatus.AWAITING_REVIEW,
        actor_label="test",
        fields={"score": 0.81, "scoring_done": 10},
    )
    expect(page.locator("h1 .status")).to_have_text("Awaiting review", timeout=8000)
    expect(page.get_by_role("button", name="Start review")).to_be_visible()
    assert new_page.problems == []


def test_clip_timeline_and_evidence_fit_a_laptop_screen(
    new_page, moderator, make_review_clip, h264_clips
):
    clip = make_review_clip(h264_clips[0], 0.95)
    page = new_page(width=1440, height=900)
    log_in(page, "moderator")
    page.get_by_role("button", name="Next clip").click()
    page.wait_for_url(f"**/clips/{clip.public_id}/")
    wait_until(page, "document.getElementById('player').readyState >= 1")
    player = in_viewport(page, "#player")
    timeline = in_viewport(page, "svg.timeline")
    evidence = in_viewport(page, "section.signals")
    in_viewport(page, "section.signals li")  # the strongest signal itself
    assert player["height"] >= 200  # still a player, not a thumbnail
    assert evidence["x"] >= player["x"] + player["width"]  # two columns
    assert timeline["y"] >= player["y"] + player["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    assert new_page.problems == []


def test_on_a_phone_the_timeline_points_are_tappable(
    new_page, moderator, make_review_clip, h264_clips
):
    clip = make_review_clip(h264_clips[0], 0.95)
    page = new_page(width=390, height=844)
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    wait_until(page, "document.getElementById('player').readyState >= 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    hits = page.locator("svg.timeline .tl-hit")
    for n in range(hits.count()):
        box = hits.nth(n).bounding_box()
        assert box is not None and box["width"] >= 24 and box["height"] >= 24, box
    font = page.evaluate(
        "document.querySelector('svg.timeline .tl-axis').getBoundingClientRect().height"
    )
    assert font >= 9  # axis labels stay readable
    point = page.locator("svg.timeline .tl-point").nth(2)
    point.scroll_into_view_if_needed()
    point.click()
    wait_until(page, "Math.abs(document.getElementById('player').currentTime - 1.0) < 0.05")
    assert new_page.problems == []
