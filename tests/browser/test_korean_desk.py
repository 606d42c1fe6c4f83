"""The desk in Korean in a real browser: Chromium asking for ko-KR gets the Korean pages (login
included), and a screenshot of the queue is kept in test-artifacts/korean-queue.png to look at
(Hangul needs fonts-noto-cjk, which scripts/install-system-packages installs)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_korean_browser_gets_the_korean_desk(
    browser, live_server, moderator, make_review_clip, h264_clips
) -> None:
    make_review_clip(h264_clips[0], 0.91, caption="김다미 딥페이크 의심 영상")
    context = browser.new_context(
        base_url=live_server.url,
        locale="ko-KR",
        timezone_id="Asia/Seoul",
        viewport={"width": 1280, "height": 800},
    )
    try:
        page = context.new_page()
        page.goto("/login/")
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        page.get_by_label("사용자 이름").fill("moderator")
        page.get_by_label("비밀번호").fill(PASSWORD)
        page.get_by_role("button", name="로그인").click()
        expect(page.get_by_role("heading", name="검토 대기열")).to_be_visible()
        expect(page.get_by_role("button", name="다음 클립")).to_be_visible()
        # The SLA countdown is rewritten by desk.js with Django's JavaScript catalog.
        expect(page.locator("time[data-countdown]").first).to_have_text(
            re.compile(r"^23시간 5\d분 남음$")
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "korean-queue.png"), full_page=True)
    finally:
        context.close()
