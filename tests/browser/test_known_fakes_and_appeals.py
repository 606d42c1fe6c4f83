"""Known fakes and appeals in a real browser: the queue's badges; approving a clip a bank says
is a known fake asks for a reason and waits for a second moderator; an overturned appeal
restores the clip and the platform's webhook receiver (on 127.0.0.1) is told, naming the
previous decision."""

import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from config.celery import app as celery_app
from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import Decision, Person
from dashboard.priority import refresh_priority
from integrations.models import WebhookEndpoint
from provenance.models import BankEntry, BankKind, BankMatch, EntrySource
from provenance.services import default_bank
from teamwork.appeals import file_appeal
from teamwork.models import PendingDecision, TwoPersonPolicy
from tests.browser.conftest import log_in
from tests.factories import ScoredClipFactory, decided_clip
from tests.integrations.conftest import receiver  # noqa: F401 - the 127.0.0.1 receiver fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_path(page: Page, path: str) -> None:
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def removed_fake() -> BankEntry:
    original = decided_clip("remove", reason="Impersonation or fraud", reports=0, score=None)
    original.persons.add(Person.objects.get_or_create(name="Jane Roe")[0])
    return BankEntry.objects.create(
        bank=default_bank(),
        source=EntrySource.DECISION,
        clip=original,
        decision=original.decisions.get(),
        decision_action="remove",
        persons=["Jane Roe"],
        frame_hashes=b"",
    )


def matched(clip, entry) -> None:
    BankMatch.objects.create(
        clip=clip, entry=entry, query_share=0.97, bank_share=0.95, best_distance=9, matched_frames=9
    )
    refresh_priority(clip)


def test_queue_rows_carry_their_badges(new_page, moderator, moderator2):
    fake = ScoredClipFactory(caption="the removed fake, again")
    matched(fake, removed_fake())
    authentic = ScoredClipFactory(caption="cut from the press conference")
    matched(
        authentic,
        BankEntry.objects.create(
            bank=default_bank(BankKind.REFERENCE),
            source=EntrySource.REFERENCE,
            title="Press conference",
            frame_hashes=b"",
        ),
    )
    protected = ScoredClipFactory(caption="a protected person")
    protected.persons.add(Person.objects.create(name="Minister Example", protected=True))

    page = new_page()
    log_in(page, "moderator")
    page.goto("/")
    fake_row = page.locator("table.queue tbody tr", has_text=fake.short_id)
    expect(fake_row.locator('[data-badge="known-fake"]')).to_have_text("Known fake (removed)")
    # A removed fake coming back is in the high band: it heads the queue.
    expect(page.locator("table.queue tbody tr").first).to_contain_text(fake.short_id)
    expect(
        page.locator("table.queue tbody tr", has_text=authentic.short_id).locator(
            '[data-badge="authentic-source"]'
        )
    ).to_have_text("Authentic source")
    expect(
        page.locator("table.queue tbody tr", has_text=protected.short_id).locator(
            '[data-badge="protected-person"]'
        )
    ).to_be_visible()

    TwoPersonPolicy.objects.get_or_create(
        name="Protected person: remove or approve",
        defaults={"actions": ["remove", "approve"], "protected_person": True},
    )
    claim_clip(protected.pk, moderator2)
    apply_decision(protected.pk, moderator2, DecisionRequest(action="remove", reason="x"))
    page.goto(f"/?status={ClipStatus.AWAITING_CONFIRM}")
    expect(
        page.locator("table.queue tbody tr", has_text=protected.short_id).locator(
            '[data-badge="two-person"]'
        )
    ).to_have_text("Two-person pending")
    assert not new_page.problems


def test_approving_a_known_fake_asks_for_a_reason_and_a_second_moderator(
    new_page, moderator, moderator2, make_review_clip, h264_clips
):
    TwoPersonPolicy.objects.get_or_create(
        name="Known fake: approve",
        defaults={"actions": ["approve"], "protected_person": False, "known_fake": True},
    )
    clip = make_review_clip(h264_clips[1], 0.4, caption="back again")
    matched(clip, removed_fake())

    first = new_page()
    log_in(first, "moderator")
    first.goto(f"/clips/{clip.public_id}/")
    panel = first.locator("[data-known-fake]")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Known fake")
    expect(panel.locator("[data-banked-decision]")).to_contain_text("Remove")
    expect(panel.locator("[data-banked-persons]")).to_have_text("Jane Roe")
    # The panel comes before every other piece of evidence.
    assert first.evaluate(
        "() => !!(document.querySelector('[data-known-fake]').compareDocumentPosition("
        "document.querySelector('.signals')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )

    # Tagging persons needs the claim: Start review, then one key tags the people the original
    # depicts; another opens the banked decision.
    first.keyboard.press("s")
    expect(first.get_by_text("Held by you until")).to_be_visible()
    first.keyboard.press("t")
    expect(first.get_by_text("Tagged from the known fake: Jane Roe.")).to_be_visible()
    first.wait_for_load_state()  # the page's keys are bound once its scripts ran
    expect(first.locator("[data-tag-banked]")).to_have_count(0)  # everyone is tagged now
    assert "Jane Roe" in set(clip.persons.values_list("name", flat=True))
    first.keyboard.press("k")
    expect(first.locator("#dlg-banked")).to_be_visible()
    expect(first.locator("#dlg-banked")).to_contain_text("Remove")
    first.keyboard.press("Escape")
    expect(first.locator("#dlg-banked")).to_be_hidden()

    first.keyboard.press("a")
    reason = first.get_by_label("Reason for approving a known fake")
    expect(reason).to_be_focused()
    expect(first.locator("[data-known-fake-approve]")).to_contain_text("second moderator")
    first.keyboard.press("Enter")  # empty: the dialog stays, nothing is decided
    expect(reason).to_be_visible()
    clip.refresh_from_db()
    assert clip.status == ClipStatus.IN_REVIEW
    reason.fill("The uploader's own satire, clearly marked")
    first.keyboard.press("Enter")
    wait_for_path(first, "/")
    expect(first.get_by_text("It applies once a second moderator confirms it.")).to_be_visible()
    pending = PendingDecision.objects.get(clip=clip)
    assert pending.action == "approve" and "Known fake: approve" in pending.covered_by
    assert not Decision.objects.filter(clip=clip).exists()

    second = new_page()
    log_in(second, "moderator2")
    second.goto("/team/confirmations/")
    second.locator("table.confirmations tbody tr", has_text=clip.short_id).get_by_role(
        "link", name="Review"
    ).click()
    second.get_by_role("button", name="Confirm approve").click()
    wait_for_path(second, "/team/confirmations/")
    clip.refresh_from_db()
    assert clip.status == ClipStatus.APPROVED
    decision = Decision.objects.get(clip=clip)
    assert decision.moderator == moderator2
    assert decision.reason == "The uploader's own satire, clearly marked"
    assert not new_page.problems


def test_overturned_appeal_restores_the_clip_and_tells_the_platform(
    new_page,
    moderator,
    moderator2,
    reporter,
    receiver,  # noqa: F811 - the fixture imported above
    settings,
    monkeypatch,
):
    settings.UNMASK_EGRESS_ALLOW = ["127.0.0.1/32"]
    # Deliveries run as soon as the decision commits (no worker in a browser test).
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    WebhookEndpoint.objects.create(
        name="platform", url=receiver.url, events=["clip.decided", "clip.appeal_decided"]
    )
    clip = decided_clip("remove", moderator, reason="Impersonation or fraud", reports=0)
    removal = clip.decisions.get()
    appeal = file_appeal(clip.pk, reporter, "It is my own video, I can prove it.")
    receiver.requests.clear()

    page = new_page()
    log_in(page, "moderator2")
    page.goto(f"/team/appeals/{appeal.pk}/")
    page.get_by_role("radio", name="Overturned").check()
    page.locator("#id_reason").fill("The uploader proved it is their own video")
    expect(page.locator("#id_new_action")).to_have_value("")  # restore by default
    page.get_by_role("button", name="Record the outcome").click()
    wait_for_path(page, "/team/appeals/")
    expect(page.get_by_text("overturned: Approve recorded")).to_be_visible()

    clip.refresh_from_db()
    assert clip.status == ClipStatus.APPROVED
    restored = Decision.objects.get(evidence__supersedes=removal.pk)
    assert restored.action == "approve" and restored.moderator == moderator2
    bodies = [json.loads(body) for _headers, body in receiver.requests]
    decided = [b for b in bodies if b["type"] == "clip.decided"]
    assert len(decided) == 1, bodies
    assert decided[0]["clip"]["status"] == "approved"
    assert decided[0]["data"]["decision"] == restored.pk
    assert decided[0]["data"]["previous_decision"]["decision"] == removal.pk
    assert decided[0]["data"]["previous_decision"]["action"] == "remove"
    outcome = [b for b in bodies if b["type"] == "clip.appeal_decided"]
    assert outcome and outcome[0]["data"]["outcome"] == "overturned"
    assert not new_page.problems
