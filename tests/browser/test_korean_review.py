"""The review page in Korean in a real browser: a scored clip with its timeline, face crops and
signals (a detector run, a known-fake match, Content Credentials declaring AI) reads in Korean
with no English left, and a screenshot is kept in test-artifacts/korean-review.png to look at
(Hangul needs fonts-noto-cjk, which scripts/install-system-packages installs)."""

import pytest
from playwright.sync_api import expect

from dashboard.models import DeskPreference
from provenance.models import BankEntry, BankMatch, ClipCredentials, HashBank
from tests.browser.conftest import ARTIFACTS, log_in
from tests.dashboard.test_korean_desk import ALLOWED, english_words
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Names in the test's data, shown as they were given: the detector, the signer and tool in
# the credentials, a C2PA source type, the uploaded file ("face-11.mp4"), the person the
# fixture's report names, the users and the fixture's actor label; and a unit.
DATA_WORDS = {
    "baseline",
    "Gen",
    "Studio",
    "GenTool",
    "trainedAlgorithmicMedia",
    "face-",
    "Ana",
    "Example",
    "moderator",
    "reporter",
    "test",
    "fps",
}


def test_review_page_in_korean_with_a_scored_clip(
    new_page, moderator, make_review_clip, h264_clips
) -> None:
    clip = make_review_clip(h264_clips[0], 0.91, caption="김다미 열애설 딥페이크 의심 영상")
    clip.persons.add(PersonFactory(name="김다미"))
    clip.platform = "Naver"
    clip.save(update_fields=["platform"])
    bank = HashBank.objects.create(name="소속사 공유 목록")
    entry = BankEntry.objects.create(
        bank=bank, source="decision", decision_action="label", labels=["face-swap"],
        frame_hashes=b"",
    )  # fmt: skip
    BankMatch.objects.create(
        clip=clip, entry=entry, query_share=0.9, bank_share=0.8, best_distance=6,
        matched_frames=9, transform="mirrored, cropped ~20 %",
    )  # fmt: skip
    ClipCredentials.objects.create(
        clip=clip, state="untrusted", signer_org="Gen Studio", claim_generator="GenTool",
        source_type="trainedAlgorithmicMedia", ai_generated=True,
    )  # fmt: skip
    DeskPreference.objects.create(user=moderator, language="ko", time_zone="Asia/Seoul")

    page = new_page(width=1440, height=1000)
    log_in(page, "moderator")  # the login form is English until the user is known
    page.goto(f"/clips/{clip.public_id}/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", name=f"클립 {clip.short_id}")).to_be_visible()
    expect(page.locator("#signals-title")).to_have_text("의심 수준: 결정적")
    expect(page.locator("svg.timeline")).to_be_visible()
    expect(page.locator(".tl-point")).to_have_count(4)
    expect(page.get_by_role("button", name="승인")).to_be_visible()
    expect(page.locator(".provenance-match strong")).to_have_text(
        f"일치하는 확인된 조작 영상: #{entry.pk}"
    )
    expect(page.locator("[aria-labelledby=facts-title] dl.facts")).to_contain_text("네이버")
    # Times in Seoul with the zone; nothing English left on the page as the browser has it.
    expect(page.locator(".review-head .clock")).to_contain_text("KST")
    left = english_words(page.content(), ALLOWED | DATA_WORDS)
    assert left == [], left
    # The removal dialog offers the policies in Korean.
    page.get_by_role("button", name="삭제").click()
    expect(page.locator("#dlg-remove fieldset.policies")).to_contain_text("사칭 또는 사기")
    page.keyboard.press("Escape")
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "korean-review.png"), full_page=True)
    assert (ARTIFACTS / "korean-review.png").stat().st_size > 50_000
    assert new_page.problems == []
