"""The two-person rule in a real browser: one moderator removes a clip of a protected person,
the clip waits; they cannot confirm it themselves; a second moderator confirms it and the
removal applies, citing both."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from dashboard.constants import ClipStatus
from dashboard.models import Decision, Person
from teamwork.models import PendingDecision, TwoPersonPolicy
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_path(page: Page, path: str) -> None:
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def test_protected_person_removal_needs_two_moderators(
    new_page, moderator, moderator2, make_review_clip, h264_clips
):
    # The migration's default policy (a transactional flush elsewhere may have removed it).
    TwoPersonPolicy.objects.get_or_create(
        name="Protected person: remove or approve",
        defaults={"actions": ["remove", "approve"], "protected_person": True},
    )
    clip = make_review_clip(h264_clips[0], 0.93, caption="famous")
    Person.objects.filter(name="Ana Example").update(protected=True)

    # The first moderator removes it from the review page, by keyboard.
    first = new_page()
    log_in(first, "moderator")
    first.goto(f"/clips/{clip.public_id}/")
    first.keyboard.press("r")
    first.keyboard.press("2")
    expect(first.get_by_role("radio", name="Impersonation or fraud")).to_be_checked()
    first.keyboard.press("Enter")
    wait_for_path(first, "/")
    expect(first.get_by_text("It applies once a second moderator confirms it.")).to_be_visible()
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_CONFIRM
    assert not Decision.objects.filter(clip=clip).exists()
    pending = PendingDecision.objects.get(clip=clip)

    # They find it in the confirmation queue but cannot confirm their own decision.
    first.get_by_role("link", name="Confirmations").click()
    row = first.locator("table.confirmations tbody tr", has_text=clip.short_id)
    expect(row).to_contain_text("Remove")
    row.get_by_role("link", name="View").click()
    expect(first.get_by_text("another moderator must confirm it")).to_be_visible()
    expect(first.get_by_role("button", name="Confirm remove")).to_have_count(0)

    # The second moderator, in their own browser, confirms it.
    second = new_page()
    log_in(second, "moderator2")
    second.get_by_role("link", name="Confirmations").click()
    second.locator("table.confirmations tbody tr", has_text=clip.short_id).get_by_role(
        "link", name="Review"
    ).click()
    expect(second.locator("[data-proposer]")).to_contain_text("moderator")
    second.get_by_label("Note (optional)").fill("Checked the source: not her.")
    second.get_by_role("button", name="Confirm remove").click()
    wait_for_path(second, "/team/confirmations/")
    expect(second.get_by_text(f"Clip {clip.short_id}: remove confirmed.")).to_be_visible()
    expect(second.get_by_text("Nothing awaits confirmation.")).to_be_visible()

    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED
    decision = Decision.objects.get(clip=clip)
    assert decision.moderator == moderator2 and decision.reason == "Impersonation or fraud"
    assert decision.evidence["two_person"]["proposed_by"] == moderator.pk
    pending.refresh_from_db()
    assert pending.state == "confirmed" and pending.resolved_by == moderator2

    # The decided clip's page now offers the evidence pack.
    second.goto(f"/clips/{clip.public_id}/")
    expect(second.get_by_role("button", name="Build evidence pack")).to_be_visible()
    assert new_page.problems == []
