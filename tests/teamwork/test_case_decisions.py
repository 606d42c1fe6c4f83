"""One decision on a case applies to every open copy through the decision service: a Decision,
a webhook and audit events per copy, the two-person rule asked once for the case, and copies
decided differently listed, never overwritten. The case page shows every copy in a fixed
number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.accounts import Uploader, uploader_for
from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionError, DecisionRequest
from dashboard.models import AuditEvent, Decision
from integrations.models import WebhookEndpoint, WebhookEvent
from provenance.cases import join_case_from_matches
from provenance.models import BankEntry, BankMatch, EntrySource, HashBank
from teamwork.cases import confirm_case_decision, decide_case, withdraw_case_decision
from teamwork.constants import PendingState
from teamwork.models import PendingCaseDecision, PendingDecision
from tests.factories import ScoredClipFactory, decided_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(db):
    return WebhookEndpoint.objects.create(
        name="all", url="http://127.0.0.1:9/hook", events=["clip.decided", "clip.escalated"]
    )


def make_case(copies, entry=None):
    """A case whose copies matched one known-fake entry, built as the matching task does."""
    bank, _ = HashBank.objects.get_or_create(name="fakes")
    entry = entry or BankEntry.objects.create(
        bank=bank, source=EntrySource.IMPORT, frame_hashes=b"", title="Fake speech"
    )
    case = None
    for i, clip in enumerate(copies):
        match = BankMatch.objects.create(
            clip=clip,
            entry=entry,
            query_share=0.5 + i / 100,
            bank_share=0.5,
            best_distance=12,
            matched_frames=30,
        )
        case = join_case_from_matches(clip, [match])
    return case


def test_a_case_decision_over_ten_open_copies_asks_the_two_person_rule_once(
    senior, moderator2, endpoint
):
    # Reach over the default policy's million: each copy alone would need a second moderator.
    copies = [ScoredClipFactory(reach=2_000_000) for _ in range(10)]
    case = make_case(copies)
    request = DecisionRequest("remove", reason="Fabricated speech", account_recommendation="warn")
    held = decide_case(case.pk, senior, request)
    assert held.pending is not None and not held.decisions
    assert PendingCaseDecision.objects.count() == 1
    assert PendingDecision.objects.count() == 0 and Decision.objects.count() == 0
    with pytest.raises(DecisionError) as refused:
        confirm_case_decision(held.pending.pk, senior)
    assert refused.value.code == "same_moderator"

    result = confirm_case_decision(held.pending.pk, moderator2)
    assert len(result.decisions) == 10
    assert Decision.objects.count() == 10
    assert set(Decision.objects.values_list("clip_id", flat=True)) == {c.pk for c in copies}
    assert WebhookEvent.objects.filter(event_type="clip.decided").count() == 10
    assert AuditEvent.objects.filter(action="decision.remove").count() == 10
    # One confirmation, for the case: every Decision cites the same one.
    assert PendingCaseDecision.objects.get().state == PendingState.CONFIRMED
    assert PendingCaseDecision.objects.count() == 1 and PendingDecision.objects.count() == 0
    cited = {d.evidence["two_person"]["pending_case_decision"] for d in Decision.objects.all()}
    assert cited == {held.pending.pk}
    for decision in Decision.objects.all():
        assert decision.moderator == moderator2 and decision.account_recommendation == "warn"
        assert decision.evidence["case"]["case"] == str(case.public_id)
    payload = WebhookEvent.objects.first().payload["data"]
    assert payload["case"] == str(case.public_id) and payload["account_recommendation"] == "warn"
    for clip in copies:
        clip.refresh_from_db()
        assert clip.status == ClipStatus.REMOVED


def test_an_uncovered_case_decision_applies_at_once(senior, endpoint):
    copies = [ScoredClipFactory() for _ in range(10)]
    case = make_case(copies)
    result = decide_case(case.pk, senior, DecisionRequest("label", labels=("face-swap",)))
    assert result.pending is None and len(result.decisions) == 10
    assert WebhookEvent.objects.count() == 10
    assert PendingCaseDecision.objects.count() == 0


def test_a_copy_decided_differently_is_listed_and_left_alone(senior, moderator, endpoint):
    approved = decided_clip("approve", moderator)
    removed = decided_clip("remove", moderator)
    still_scoring = ScoredClipFactory(status=ClipStatus.SCORING)
    open_copies = [ScoredClipFactory() for _ in range(3)]
    case = make_case([approved, removed, still_scoring, *open_copies])
    before = WebhookEvent.objects.count()
    result = decide_case(case.pk, senior, DecisionRequest("remove", reason="Fabricated"))
    assert [c.pk for c, action in result.decided_differently] == [approved.pk]
    assert result.decided_differently[0][1] == "approve"
    assert [c.pk for c in result.decided_same] == [removed.pk]
    assert [c.pk for c in result.not_ready] == [still_scoring.pk]
    assert len(result.decisions) == 3
    approved.refresh_from_db()
    assert approved.status == ClipStatus.APPROVED
    assert list(Decision.objects.filter(clip=approved).values_list("action", flat=True)) == [
        "approve"
    ]
    assert WebhookEvent.objects.count() - before == 3


def test_a_copy_another_moderator_holds_is_left_to_them(senior, moderator):
    held = ScoredClipFactory()
    claim_clip(held.pk, moderator)
    other = ScoredClipFactory()
    case = make_case([held, other])
    # A removal: approving copies of a known fake waits for a second moderator.
    result = decide_case(case.pk, senior, DecisionRequest("remove", reason="Fabricated"))
    assert [c.pk for c in result.held] == [held.pk]
    assert [d.clip_id for d in result.decisions] == [other.pk]


def test_only_seniors_decide_a_case(moderator):
    case = make_case([ScoredClipFactory()])
    with pytest.raises(DecisionError) as refused:
        decide_case(case.pk, moderator, DecisionRequest("approve"))
    assert refused.value.status == 403
    assert Decision.objects.count() == 0


def _page_queries(client, case) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard:case", args=[case.public_id]))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_case_page_shows_every_copy_in_queries_independent_of_its_size(client, senior):
    account = uploader_for("video-site", Uploader(account_id="u-9", handle="@spreader"))
    small = make_case([ScoredClipFactory(account=account, reach=10) for _ in range(3)])
    bank = HashBank.objects.create(name="other")
    entry = BankEntry.objects.create(bank=bank, source=EntrySource.IMPORT, frame_hashes=b"")
    large = make_case(
        [ScoredClipFactory(account=account, reach=10, platform="p") for _ in range(30)], entry
    )
    client.force_login(senior)
    client.get(reverse("dashboard:case", args=[small.public_id]))  # warm the session
    few, _ = _page_queries(client, small)
    many, html = _page_queries(client, large)
    assert few == many
    assert html.count("data-copy=") == 30
    assert "@spreader" in html and "300 views" in html
    assert "share 0.79" in html  # the strongest evidence: the copy with the best share


def test_case_page_decision_form_applies_to_the_case(client, senior):
    copies = [ScoredClipFactory() for _ in range(2)]
    case = make_case(copies)
    client.force_login(senior)
    response = client.post(
        reverse("dashboard:case_decide", args=[case.public_id]),
        {"action": "label", "labels": ["face-swap"], "account_recommendation": "restrict"},
    )
    assert response.status_code == 302
    assert set(Decision.objects.values_list("account_recommendation", flat=True)) == {"restrict"}
    assert Decision.objects.count() == 2


def test_account_and_case_pages_are_korean(client, senior, moderator):
    from tests.dashboard.test_korean_desk import KO, assert_korean

    account = uploader_for("video-site", Uploader(account_id="u-5", handle="maker"))
    removed = decided_clip("remove", moderator, account=account)
    case = make_case([removed, ScoredClipFactory(account=account, reach=1200)])
    client.force_login(senior)
    data = {"video-", "site", "maker", "Fake", "speech", "fakes", "IMPORT", "bits"}
    html = assert_korean(client.get(reverse("dashboard:account", args=[account.pk]), **KO), data)
    assert "최근 30일간 삭제 1건, 라벨 0건" in html and "게시물 2개" in html
    html = assert_korean(client.get(reverse("dashboard:case", args=[case.public_id]), **KO), data)
    assert "열린 사본 모두 결정" in html and "가장 강한 증거" in html


def test_the_second_moderator_confirms_on_the_case_page(client, senior, moderator2, endpoint):
    copies = [ScoredClipFactory(reach=3_000_000) for _ in range(3)]
    case = make_case(copies)
    held = decide_case(case.pk, senior, DecisionRequest("remove", reason="Fabricated"))
    client.force_login(moderator2)
    html = client.get(reverse("dashboard:case", args=[case.public_id])).content.decode()
    assert "data-case-pending" in html and "Confirm for the whole case" in html
    confirm = reverse("dashboard:case_confirm", args=[case.public_id, held.pending.pk])
    assert client.post(confirm).status_code == 302
    assert Decision.objects.filter(moderator=moderator2).count() == 3
    assert WebhookEvent.objects.count() == 3


def test_a_held_case_decision_can_be_withdrawn_and_nothing_applies(senior, moderator2):
    case = make_case([ScoredClipFactory(reach=3_000_000) for _ in range(2)])
    held = decide_case(case.pk, senior, DecisionRequest("remove", reason="Fabricated"))
    with pytest.raises(DecisionError):
        decide_case(case.pk, senior, DecisionRequest("remove", reason="again"))
    with pytest.raises(DecisionError) as refused:
        withdraw_case_decision(held.pending.pk, moderator2)
    assert refused.value.status == 403
    withdraw_case_decision(held.pending.pk, senior)
    with pytest.raises(DecisionError) as refused:
        confirm_case_decision(held.pending.pk, moderator2)
    assert refused.value.code == "already_resolved"
    assert Decision.objects.count() == 0


def test_a_senior_adds_a_clip_on_the_case_page(client, senior):
    case = make_case([ScoredClipFactory()])
    stranger = ScoredClipFactory()
    client.force_login(senior)
    add = reverse("dashboard:case_add", args=[case.public_id])
    assert client.post(add, {"clip": str(stranger.public_id)}).status_code == 302
    assert stranger.case_membership.case == case
    remove = reverse("dashboard:case_remove", args=[case.public_id, stranger.public_id])
    assert client.post(remove, {"reason": "Different speech"}).status_code == 302
    stranger.case_membership.refresh_from_db()
    assert stranger.case_membership.removed_at is not None
