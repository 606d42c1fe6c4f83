"""The API docs page works under the Content-Security-Policy the server really sends.

Swagger UI's upstream page styles itself inline; ours moves that to a file, so nothing is
refused and nothing is fetched from elsewhere.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import _collect_problem

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def docs_page(browser: Browser, live_server) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda msg: _collect_problem(msg.text, problems))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    yield page, problems
    context.close()


def test_swagger_ui_renders_every_operation_group(docs_page):
    page, problems = docs_page
    page.goto("/api/docs/")
    page.locator(".opblock-tag").first.wait_for()
    assert page.locator(".opblock-tag").count() >= 3
    assert "Unmask API" in page.locator(".information-container").inner_text()
    assert problems == []
