"""The team dashboard and the calibration page in a real browser, under the strict CSP:
every chart is drawn with data, and screenshots land in test-artifacts/ for review."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, log_in
from tests.insight.helpers import seed_busy_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_and_calibration_charts_have_data(new_page, moderator, moderator2, senior):
    seed_busy_day(moderator, moderator2, senior)
    page = new_page(width=1280, height=1000)
    log_in(page, "senior")
    page.get_by_role("link", name="Team dashboard").click()
    expect(page.get_by_role("heading", name="Team dashboard")).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(12)
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.locator(".mark").count() > 0, chart.get_attribute("aria-label")
        box = chart.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 60
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "insight-dashboard.png"), full_page=True)

    page.get_by_role("link", name="Detector calibration").click()
    calibration = page.locator("svg.chart")
    expect(calibration).to_have_count(3)
    for i in range(3):
        assert calibration.nth(i).locator(".mark").count() > 0
    expect(page.locator(".ch-marker-label").first).to_contain_text("current 0.50")
    page.screenshot(path=str(ARTIFACTS / "insight-calibration.png"), full_page=True)
    assert new_page.problems == []
