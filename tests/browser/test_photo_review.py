"""A photo on the review page in Chromium: its copy without metadata is shown in the viewer
(blurred until revealed, like video), and the zoom keys work: 1 shows it at 100 %, + and -
step the zoom, 0 fits it back to the frame; the decision keys still open their dialogs."""

import pytest
from django.core.files import File
from playwright.sync_api import Page, expect

from dashboard.constants import ClipStatus
from dashboard.models import Clip
from desk.ingest import Submission, ingest_upload
from detection import renditions
from tests.browser.conftest import log_in
from tests.photos import face_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zoom(page: Page) -> str:
    return page.locator("[data-photo-viewer]").get_attribute("data-zoom") or ""


def shown_width(page: Page) -> float:
    return page.evaluate("document.getElementById('photo').getBoundingClientRect().width")


def test_the_review_page_shows_the_photo_and_the_zoom_keys_work(
    new_page, moderator, reporter, tmp_path
):
    # 1600 × 1200, larger than the frame: fit shrinks it, 100 % shows every pixel.
    path = face_photo(tmp_path / "photo.jpg", size=(1600, 1200), orientation=6)
    with path.open("rb") as fh:
        clip = ingest_upload(File(fh, name="photo.jpg"), Submission(platform="x"), reporter).clip
    assert renditions.run_rendition(clip.pk).outcome == "ready"
    Clip.objects.filter(pk=clip.pk).update(status=ClipStatus.AWAITING_REVIEW)

    page = new_page()
    log_in(page, "moderator")
    page.goto(f"/clips/{clip.public_id}/")
    image = page.locator("img#photo")
    expect(image).to_have_attribute("src", f"/clips/{clip.public_id}/review.mp4")
    assert page.evaluate("document.getElementById('photo').naturalWidth") == 1200  # upright
    expect(page.locator("h1 [data-kind=photo]")).to_be_visible()
    expect(page.locator("body")).to_have_class("blur-media")  # wellness blur by default
    assert "blur" in image.evaluate("el => getComputedStyle(el).filter")

    assert zoom(page) == "fit"
    fitted = shown_width(page)
    assert fitted < 1200
    page.locator("body").press("1")
    expect(page.locator("[data-photo-viewer]")).to_have_attribute("data-zoom", "1")
    assert shown_width(page) == pytest.approx(1200, abs=1)
    expect(page.locator("[data-zoom-level]")).to_have_text("100 %")
    page.keyboard.press("+")
    expect(page.locator("[data-photo-viewer]")).to_have_attribute("data-zoom", "1.5")
    assert shown_width(page) == pytest.approx(1800, abs=1)
    page.keyboard.press("-")
    page.keyboard.press("-")
    expect(page.locator("[data-photo-viewer]")).to_have_attribute("data-zoom", "0.75")
    page.keyboard.press("0")
    expect(page.locator("[data-photo-viewer]")).to_have_attribute("data-zoom", "fit")
    assert shown_width(page) == pytest.approx(fitted, abs=1)

    # The page's own keys keep their meaning: b reveals, a opens the approve dialog.
    page.keyboard.press("b")
    expect(page.locator("body")).not_to_have_class("blur-media")
    page.keyboard.press("a")
    expect(page.locator("#dlg-approve")).to_be_visible()
    # Zoom keys are off while a dialog is open.
    page.keyboard.press("1")
    expect(page.locator("[data-photo-viewer]")).to_have_attribute("data-zoom", "fit")
    assert not new_page.problems
