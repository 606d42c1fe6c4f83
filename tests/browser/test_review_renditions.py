"""Review renditions in Chromium: an MPEG-4 Part 2 upload plays through its H.264 rendition,
the demo clips play as seeded, and a clip without playable media shows its contact sheet and
asks "Decide without watching?" before a decision, which records the answer."""

import time
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.files import File
from playwright.sync_api import Page, expect

from dashboard.constants import ClipStatus, RenditionState
from dashboard.models import Clip, Decision, ReviewRendition
from desk.ingest import Submission, ingest_upload
from desk.management.commands.seed_demo import DEMO_CLIPS, write_demo_clip
from detection import renditions
from detection.rendition import RenditionError
from detection.synthetic import make_clip
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ingest_for_review(path: Path, reporter) -> Clip:
    with path.open("rb") as fh:
        clip = ingest_upload(File(fh, name=path.name), Submission(platform="x"), reporter).clip
    Clip.objects.filter(pk=clip.pk).update(status=ClipStatus.AWAITING_REVIEW)
    return clip


def poll(page: Page, expression: str, seconds: float = 20.0) -> None:
    # page.wait_for_function compiles its predicate with eval, which the strict CSP refuses.
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {expression}"
        page.wait_for_timeout(100)


def assert_plays(page: Page) -> None:
    poll(page, "document.getElementById('player').readyState >= 2")
    page.evaluate("document.getElementById('player').play()")
    poll(page, "document.getElementById('player').currentTime > 0.3")
    assert page.evaluate("document.getElementById('player').error") is None


def test_an_mpeg4_part2_upload_plays_through_its_h264_rendition(
    new_page, moderator, reporter, tmp_path
):
    upload = make_clip(tmp_path / "mp4v.mp4", kind="face", seconds=2.0, size=(320, 240), seed=7)
    clip = ingest_for_review(upload, reporter)
    assert clip.codec == "mpeg4"
    assert renditions.run_rendition(clip.pk).outcome == "ready"
    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    player = page.locator("video#player")
    expect(player).to_have_attribute("src", f"/clips/{clip.public_id}/review.mp4")
    expect(player).to_have_attribute("poster", f"/clips/{clip.public_id}/poster.jpg")
    assert_plays(page)
    assert not new_page.problems


def test_the_demo_clips_play_in_chromium(new_page, moderator, reporter, tmp_path):
    clips = [
        ingest_for_review(write_demo_clip(tmp_path, kind, seed), reporter)
        for kind, seed, *_ in DEMO_CLIPS[:2]
    ]
    page = new_page()
    log_in(page, "moderator")
    for clip in clips:
        assert ReviewRendition.objects.get(clip=clip).state == RenditionState.NOT_NEEDED
        page.goto(f"/clips/{clip.public_id}/")
        expect(page.locator("video#player")).to_have_attribute(
            "src", f"/clips/{clip.public_id}/media/"
        )
        assert_plays(page)


def test_a_failed_rendition_shows_the_contact_sheet_and_asks_for_the_second_key(
    new_page, moderator, reporter, tmp_path
):
    upload = make_clip(tmp_path / "mp4v.mp4", kind="face", seconds=2.0, size=(320, 240), seed=8)
    clip = ingest_for_review(upload, reporter)
    with mock.patch.object(renditions, "make_rendition", side_effect=RenditionError("broken")):
        renditions.run_rendition(clip.pk)
    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    expect(page.get_by_text("making a playable copy failed")).to_be_visible()
    sheet = page.locator("img.contact-sheet")
    expect(sheet).to_be_visible()
    assert page.evaluate("document.querySelector('img.contact-sheet').naturalWidth") > 0
    expect(sheet).to_have_class("contact-sheet sensitive")  # the wellness blur applies

    page.keyboard.press("a")
    ask = page.get_by_role("dialog", name="Decide without watching?")
    expect(ask).to_be_visible()
    expect(page.locator("#dlg-approve")).not_to_be_visible()
    page.keyboard.press("a")  # the same key again: yes, decide without watching
    expect(ask).not_to_be_visible()
    expect(page.locator("#dlg-approve")).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")  # nothing else: the queue
    decision = Decision.objects.get(clip=clip)
    assert decision.evidence["decided_without_playable_media"] is True
    assert decision.evidence["watched"] is False
    assert not new_page.problems
