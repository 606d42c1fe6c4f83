"""Shortcuts with the Korean 2-set layout active: the browser sends Hangul jamo as `key` ("ㅁ")
with the physical key's `code` ("KeyA"); the desk still reads them as a, b, n… — and never while
text is being typed in a field.

The keys go through Chromium's own input pipeline (DevTools' Input.dispatchKeyEvent), so the page
sees trusted keydown events exactly as a Korean keyboard produces them."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from dashboard.models import Clip
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the Korean 2-set layout sends for the desk's mnemonics: (key, code, Windows key code).
KOREAN_KEYS = {
    "a": ("ㅁ", "KeyA", 65),
    "b": ("ㅠ", "KeyB", 66),
    "n": ("ㅜ", "KeyN", 78),
}


def press_korean(page: Page, letter: str) -> None:
    key, code, vk = KOREAN_KEYS[letter]
    cdp = page.context.new_cdp_session(page)
    common = {"key": key, "code": code, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
    cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": key, **common})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **common})
    cdp.detach()


def test_korean_layout_keys_fire_the_shortcuts(
    new_page, moderator, make_review_clip, h264_clips
) -> None:
    clip: Clip = make_review_clip(h264_clips[0], 0.9, caption="첫 번째")
    page = new_page()
    log_in(page, "moderator")
    expect(page.locator("body")).to_have_class("blur-media")

    # Typing ㅠ (KeyB) and ㅜ (KeyN) in the search field types them; no shortcut fires.
    search = page.locator("#id_q")
    search.focus()
    press_korean(page, "b")
    press_korean(page, "n")
    expect(page.locator("body")).to_have_class("blur-media")
    assert urlsplit(page.url).path == "/"
    # Emptied before leaving it: a changed search field filters the queue when it loses focus,
    # and a queue of no clips has no media for b to blur.
    search.fill("")
    page.evaluate("document.activeElement.blur()")

    # On the page itself ㅠ is b: reveal media, and again: blur.
    press_korean(page, "b")
    expect(page.locator("body")).not_to_have_class("blur-media")
    press_korean(page, "b")
    expect(page.locator("body")).to_have_class("blur-media")

    # ㅜ is n: the next clip opens, claimed.
    press_korean(page, "n")
    page.wait_for_url(f"**/clips/{clip.public_id}/")

    # ㅁ is a: the approve dialog opens (and waits for a deliberate Enter).
    press_korean(page, "a")
    expect(page.locator("#dlg-approve")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#dlg-approve")).to_be_hidden()
    assert not new_page.problems
