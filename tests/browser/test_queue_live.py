"""The queue in a real browser: scoring progress updates without a reload (htmx polling a
fragment), and the filters narrow the table in place."""

import pytest
from playwright.sync_api import expect

from dashboard.constants import ClipStatus
from dashboard.models import Clip
from dashboard.workflow import transition
from tests.browser.conftest import log_in
from tests.factories import ScoredClipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scoring_progress_updates_live_and_stops_when_done(new_page, moderator):
    clip = ScoredClipFactory(
        status=ClipStatus.SCORING, score=None, scoring_done=2, scoring_total=10
    )
    page = new_page()
    log_in(page, "moderator")
    page.evaluate("window.__sameDocument = true")
    progress = page.locator(f'[data-progress-for="{clip.public_id}"]')
    expect(progress.locator("progress")).to_have_attribute("value", "2")

    Clip.objects.filter(pk=clip.pk).update(scoring_done=7)
    expect(progress.locator("progress")).to_have_attribute("value", "7", timeout=6000)

    # Scoring finishes the way the worker finishes it: through the state machine.
    transition(
        clip.pk,
        ClipStatus.AWAITING_REVIEW,
        actor_label="test",
        fields={"score": 0.81, "scoring_done": 10},
    )
    expect(progress.locator("meter")).to_have_attribute("value", "0.810", timeout=6000)
    expect(progress).not_to_have_attribute("hx-trigger", "every 2s")
    assert page.evaluate("window.__sameDocument") is True  # no page reload happened
    assert new_page.problems == []


def test_filters_narrow_the_queue_in_place(new_page, moderator):
    wanted = ScoredClipFactory(score=0.9, caption="a kiss, off-screen")
    other = ScoredClipFactory(score=0.3, caption="a speech")
    page = new_page(width=800)
    log_in(page, "moderator")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Search").fill("kiss")
    page.get_by_label("Search").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(wanted.short_id)
    assert "q=kiss" in page.url  # the filtered view can be bookmarked
    page.get_by_label("Search").fill("")
    page.get_by_label("Score", exact=True).select_option("low")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(other.short_id)
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    assert new_page.problems == []
