"""The review desk in a real browser: take the next clip, seek from the score timeline, decide
by keyboard alone, move on; another moderator is refused the held clip; a moderator cannot
open the escalations queue."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from dashboard.claims import claim_clip, release_claim
from dashboard.constants import ClipStatus
from dashboard.models import Clip, Decision
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_path(page: Page, path: str) -> None:
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def wait_for_metadata(page: Page) -> None:
    page.wait_for_function("document.getElementById('player').readyState >= 1")


def current_time(page: Page) -> float:
    return page.evaluate("document.getElementById('player').currentTime")


def test_next_clip_timeline_seek_and_keyboard_decision(
    new_page, moderator, make_review_clip, h264_clips
):
    first = make_review_clip(h264_clips[0], 0.92, caption="first")
    second = make_review_clip(h264_clips[1], 0.55, caption="second")
    page = new_page()
    log_in(page, "moderator")

    # The queue: both clips, in priority order, blurred thumbnails.
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(first.short_id)
    expect(page.locator("body")).to_have_class("blur-media")

    page.get_by_role("button", name="Next clip").click()
    page.wait_for_url(f"**/clips/{first.public_id}/")
    expect(page.get_by_role("heading", name=f"Clip {first.short_id}")).to_be_visible()
    assert page.evaluate(
        "document.getElementById('player').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')"
    )
    wait_for_metadata(page)
    assert page.evaluate("document.getElementById('player').duration") == pytest.approx(2.0, 0.1)

    # Clicking a point of the score timeline seeks the video there.
    page.locator("svg.timeline .tl-point").nth(2).click()
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 1.0) < 0.05")
    expect(page.locator("svg.timeline .tl-point").nth(2)).to_have_class("tl-point current")
    # , and . step through the sampled frames; h jumps to the highest score.
    page.keyboard.press(".")
    assert current_time(page) == pytest.approx(1.5, abs=0.05)
    page.keyboard.press(",")
    page.keyboard.press(",")
    assert current_time(page) == pytest.approx(0.5, abs=0.05)
    page.keyboard.press("h")
    assert current_time(page) == pytest.approx(1.0, abs=0.05)

    # Space plays and pauses; the speed control sets the playback rate.
    page.get_by_label("Playback speed").select_option("0.5")
    assert page.evaluate("document.getElementById('player').playbackRate") == 0.5
    page.evaluate("document.activeElement.blur()")  # back to the page, away from the select
    page.keyboard.press("Space")
    page.wait_for_function("!document.getElementById('player').paused")
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('player').paused")
    page.keyboard.press("h")

    # b reveals the media and is remembered; b again blurs it.
    page.keyboard.press("b")
    expect(page.locator("body")).not_to_have_class("blur-media")
    page.keyboard.press("b")
    expect(page.locator("body")).to_have_class("blur-media")

    # ? lists every shortcut.
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    for key in ("a", "l", "r", "e", "n", "Space", "b"):
        expect(shortcuts.locator("kbd", has_text=key).first).to_be_visible()
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()

    # Label by keyboard alone: l opens the decision, 1 ticks the first label, Enter confirms.
    page.keyboard.press("l")
    dialog = page.get_by_role("dialog", name=f"Label clip {first.short_id}")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input:checked")).to_have_count(0)
    page.keyboard.press("1")
    expect(dialog.locator("input:checked")).to_have_count(1)
    page.keyboard.press("Enter")

    # ... and the next clip opens, claimed.
    page.wait_for_url(f"**/clips/{second.public_id}/")
    expect(page.get_by_text(f"Clip {first.short_id}: label recorded.")).to_be_visible()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ClipStatus.LABELED and first.claimed_by is None
    decision = Decision.objects.get(clip=first)
    assert decision.moderator.username == "moderator" and decision.labels.count() == 1
    assert second.status == ClipStatus.IN_REVIEW and second.claimed_by.username == "moderator"

    # Approve needs a deliberate second key: a opens it, Enter confirms.
    page.keyboard.press("a")
    expect(page.get_by_role("dialog", name=f"Approve clip {second.short_id}")).to_be_visible()
    page.keyboard.press("Enter")
    wait_for_path(page, "/")
    expect(page.get_by_text("Nothing else is waiting.")).to_be_visible()
    assert Clip.objects.get(pk=second.pk).status == ClipStatus.APPROVED
    assert new_page.problems == []


def test_another_moderator_is_refused_the_held_clip(
    new_page, moderator, moderator2, make_review_clip, h264_clips
):
    clip = make_review_clip(h264_clips[0], 0.8)
    claim_clip(clip.pk, moderator)
    page = new_page()
    log_in(page, "moderator2")
    page.goto(f"/clips/{clip.public_id}/")
    expect(
        page.get_by_role("alert").filter(has_text="moderator is reviewing this clip")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    page.keyboard.press("a")
    expect(page.locator("dialog[open]")).to_have_count(0)

    # Even a hand-made request is refused, with 409, and changes nothing.
    version = Clip.objects.get(pk=clip.pk).version
    status = page.evaluate(
        """async ([url, version]) => {
            const body = new URLSearchParams({action: "approve", expected_version: version});
            const response = await fetch(url, {method: "POST", body, headers: {
                "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content,
                "Accept": "application/json"}});
            return response.status;
        }""",
        [f"/clips/{clip.public_id}/decide/", str(version)],
    )
    assert status == 409
    clip.refresh_from_db()
    assert clip.status == ClipStatus.IN_REVIEW and clip.claimed_by == moderator
    assert not Decision.objects.exists()

    # The holder, in their own browser, still decides it.
    holder = new_page()
    log_in(holder, "moderator")
    holder.goto(f"/clips/{clip.public_id}/")
    holder.keyboard.press("r")
    expect(holder.locator("#dlg-remove fieldset.policies")).to_be_focused()
    holder.keyboard.press("2")
    holder.keyboard.press("Enter")
    wait_for_path(holder, "/")
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.REMOVED
    assert new_page.problems == []


def test_escalation_is_for_seniors_only(new_page, moderator, senior, make_review_clip, h264_clips):
    clip = make_review_clip(h264_clips[2], 0.7)
    page = new_page(width=800)
    log_in(page, "moderator")
    expect(page.get_by_role("link", name="Escalations")).to_have_count(0)
    response = page.goto("/escalations/")
    assert response is not None and response.status == 403

    # Escalate by keyboard: e, type the reason, Enter.
    page.goto(f"/clips/{clip.public_id}/")
    expect(page.get_by_role("button", name="Escalate")).to_be_visible()  # usable at 800 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    page.keyboard.press("e")
    expect(page.get_by_label("Reason", exact=True)).to_be_focused()
    page.keyboard.type("Public figure; unsure whether satire")
    page.keyboard.press("Enter")
    wait_for_path(page, "/")
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.ESCALATED

    # Escalated, it is for seniors (dashboard.access): the moderator cannot open it any more;
    # a senior takes it from the escalations queue.
    response = page.goto(f"/clips/{clip.public_id}/")
    assert response is not None and response.status == 403

    senior_page = new_page()
    log_in(senior_page, "senior")
    senior_page.get_by_role("link", name="Escalations").click()
    expect(senior_page.locator("table.queue tbody tr")).to_contain_text(clip.short_id)
    senior_page.get_by_role("button", name="Next clip").click()
    senior_page.wait_for_url(f"**/clips/{clip.public_id}/")
    expect(senior_page.get_by_role("button", name="Escalate")).to_have_count(0)
    senior_page.keyboard.press("a")
    senior_page.keyboard.press("Enter")
    wait_for_path(senior_page, "/escalations/")
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.APPROVED
    assert new_page.problems == []


def test_heartbeat_keeps_the_claim_and_a_lost_claim_locks_the_page(
    new_page, moderator, make_review_clip, h264_clips, settings
):
    settings.UNMASK_CLAIM_LEASE = timedelta(seconds=8)  # a beat every 2 s
    clip = make_review_clip(h264_clips[0], 0.8)
    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    page.keyboard.press("s")  # Start review
    expect(page.get_by_text("Held by you until")).to_be_visible()
    first_lease = Clip.objects.get(pk=clip.pk).claim_expires_at
    page.wait_for_timeout(2600)
    assert Clip.objects.get(pk=clip.pk).claim_expires_at > first_lease

    release_claim(clip.pk, moderator)  # e.g. released from another tab
    banner = page.get_by_role("alert").filter(has_text="Your claim on this clip has ended")
    expect(banner).to_be_visible(timeout=5000)
    expect(page.get_by_role("button", name="Approve", exact=True)).to_be_disabled()
    page.keyboard.press("a")
    expect(page.locator("dialog[open]")).to_have_count(0)
    assert new_page.problems == []
