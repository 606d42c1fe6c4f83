"""Appeals through the API: listed and read by the roles allowed to see them, and reviewed with
the desk's rules (teamwork.appeals.decide_appeal): never by an original decider, never twice,
audited and announced by webhook."""

import pytest

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import AuditEvent
from integrations.models import WebhookEndpoint, WebhookEvent
from teamwork import appeals
from teamwork.confirmations import confirm_decision
from teamwork.constants import AppealSource, AppealState
from teamwork.models import Appeal
from tests.factories import ClipFactory, PersonFactory
from tests.teamwork.helpers import decided_clip

pytestmark = pytest.mark.django_db

LIST = "/api/v1/appeals/"


def review_url(appeal: Appeal) -> str:
    return f"{LIST}{appeal.pk}/review/"


def _appeal(decider, filer, statement: str = "It is my own face.") -> Appeal:
    clip, _ = decided_clip(decider)
    clip.submitted_by = filer
    clip.save()
    return appeals.file_appeal(clip.pk, filer, statement, appellant="uploader 7")


@pytest.fixture
def webhook(db) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        name="platform", url="https://platform.example/hooks", events=["clip.appeal_decided"]
    )


def test_a_moderator_overturns_an_appeal_audited_and_announced(
    api_client_for, moderator, moderator2, reporter, webhook
):
    appeal = _appeal(moderator, reporter)
    response = api_client_for(moderator2).post(
        review_url(appeal),
        {"outcome": "overturned", "reason": "  Parody is allowed  "},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["state"], body["reviewed_by"]) == (
        appeal.pk,
        "overturned",
        "moderator2",
    )
    assert body["outcome_reason"] == "Parody is allowed"
    assert body["reviewed_at"] is not None and body["may_review"] is False
    appeal.refresh_from_db()
    assert (appeal.state, appeal.reviewed_by) == (AppealState.OVERTURNED, moderator2)
    event = AuditEvent.objects.get(clip=appeal.clip, action="appeal.overturned")
    assert event.actor == moderator2 and event.data["appeal"] == appeal.pk
    hook = WebhookEvent.objects.get(event_type="clip.appeal_decided")
    assert hook.payload["data"]["outcome"] == "overturned"
    assert hook.payload["data"]["decision"] == appeal.decision_id
    # Overturned, the removal is replaced by the clip restored (tests/teamwork/
    # test_appeal_outcomes.py covers the outcomes in full).
    appeal.clip.refresh_from_db()
    assert appeal.clip.status == ClipStatus.APPROVED
    assert body["new_decision"] == appeal.new_decision_id is not None


def test_upheld_through_the_api(api_client_for, moderator, senior, reporter, webhook):
    appeal = _appeal(moderator, reporter)
    response = api_client_for(senior).post(
        review_url(appeal), {"outcome": "upheld", "reason": "Clearly fabricated"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "upheld"
    assert AuditEvent.objects.filter(action="appeal.upheld", actor=senior).count() == 1
    assert WebhookEvent.objects.get().payload["data"]["outcome"] == "upheld"


def test_the_original_decider_cannot_review(api_client_for, moderator, reporter, webhook):
    appeal = _appeal(moderator, reporter)
    response = api_client_for(moderator).post(
        review_url(appeal), {"outcome": "overturned", "reason": "I was wrong"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "original_decider"
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN and appeal.reviewed_by is None
    assert not AuditEvent.objects.filter(action__in=["appeal.upheld", "appeal.overturned"])
    assert not WebhookEvent.objects.exists()


def test_neither_person_of_a_two_person_decision_can_review(
    api_client_for, moderator, moderator2, senior, reporter
):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, submitted_by=reporter)
    clip.persons.add(PersonFactory(protected=True))
    claim_clip(clip.pk, moderator)
    pending = apply_decision(clip.pk, moderator, DecisionRequest(action="remove", reason="x"))
    confirm_decision(pending.pk, moderator2)
    appeal = appeals.file_appeal(clip.pk, reporter, "Not them.")
    body = {"outcome": "overturned", "reason": "Not the protected person"}
    for decider in (moderator, moderator2):
        response = api_client_for(decider).post(review_url(appeal), body, format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "original_decider"
    assert api_client_for(senior).post(review_url(appeal), body, format="json").status_code == 200


def test_an_appeal_is_reviewed_once(api_client_for, moderator, moderator2, senior, reporter):
    appeal = _appeal(moderator, reporter)
    first = api_client_for(moderator2).post(
        review_url(appeal), {"outcome": "upheld", "reason": "Stands"}, format="json"
    )
    assert first.status_code == 200
    second = api_client_for(senior).post(
        review_url(appeal), {"outcome": "overturned", "reason": "No"}, format="json"
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_reviewed"
    appeal.refresh_from_db()
    assert (appeal.state, appeal.reviewed_by, appeal.outcome_reason) == (
        AppealState.UPHELD,
        moderator2,
        "Stands",
    )
    assert (
        AuditEvent.objects.filter(action__startswith="appeal.")
        .exclude(action="appeal.filed")
        .count()
        == 1
    )


def test_a_retried_review_with_its_idempotency_key_answers_the_first_result(
    api_client_for, moderator, moderator2, reporter
):
    appeal = _appeal(moderator, reporter)
    client = api_client_for(moderator2)
    body = {"outcome": "upheld", "reason": "Stands"}
    first = client.post(review_url(appeal), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(review_url(appeal), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert AuditEvent.objects.filter(action="appeal.upheld").count() == 1


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"reason": "x"}, "invalid", "outcome"),
        ({"outcome": "open", "reason": "x"}, "invalid", "outcome"),
        ({"outcome": "UPHELD", "reason": "x"}, "invalid", "outcome"),
        ({"outcome": ["upheld"], "reason": "x"}, "invalid", "outcome"),
        ({"outcome": "upheld", "reason": "x" * 501}, "invalid", "reason"),
        ({"outcome": "upheld", "reason": 5}, None, None),  # a number is read as its text
        ({"outcome": "upheld"}, "reason_required", None),
        ({"outcome": "upheld", "reason": "   "}, "reason_required", None),
        ([], "invalid", "non_field_errors"),
    ],
)
def test_bad_review_requests_are_refused_and_change_nothing(
    api_client_for, moderator, moderator2, reporter, body, code, field
):
    appeal = _appeal(moderator, reporter)
    response = api_client_for(moderator2).post(review_url(appeal), body, format="json")
    if code is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    if field:
        assert field in error["fields"]
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN and appeal.reviewed_by is None


def test_review_takes_json_only_and_unknown_appeals_are_404(
    api_client_for, moderator, moderator2, reporter
):
    appeal = _appeal(moderator, reporter)
    client = api_client_for(moderator2)
    response = client.post(
        review_url(appeal), {"outcome": "upheld", "reason": "x"}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    response = client.post(f"{LIST}999999/review/", {"outcome": "upheld"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.post(f"{LIST}abc/review/", {}, format="json").status_code == 404


def test_reporters_and_outsiders_cannot_review(api_client_for, moderator, reporter, outsider):
    appeal = _appeal(moderator, reporter)
    for user in (reporter, outsider):
        response = api_client_for(user).post(
            review_url(appeal), {"outcome": "overturned", "reason": "x"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN


def test_moderators_list_every_appeal_oldest_first_with_filters(
    api_client_for, moderator, moderator2, reporter
):
    first = _appeal(moderator, reporter, "first")
    second = _appeal(moderator2, reporter, "second")
    desk = appeals.file_appeal(
        decided_clip(moderator2)[0].pk, moderator, "By mail", source=AppealSource.DESK
    )
    appeals.decide_appeal(second.pk, moderator, AppealState.UPHELD, "Stands")
    client = api_client_for(moderator)
    rows = client.get(LIST).json()["results"]
    assert [r["id"] for r in rows] == [first.pk, second.pk, desk.pk]
    # The caller decided the first, reviewed the second, filed the third.
    assert [r["may_review"] for r in rows] == [False, False, True]
    assert rows[1]["reviewed_by"] == "moderator"
    open_rows = client.get(LIST, {"state": "open"}).json()["results"]
    assert [r["id"] for r in open_rows] == [first.pk, desk.pk]
    by_clip = client.get(LIST, {"clip": str(first.clip.public_id)}).json()["results"]
    assert [r["id"] for r in by_clip] == [first.pk]
    by_source = client.get(LIST, {"source": "desk"}).json()["results"]
    assert [r["id"] for r in by_source] == [desk.pk]
    refused = client.get(LIST, {"state": "closed"})
    assert refused.status_code == 400 and "state" in refused.json()["error"]["fields"]


def test_a_reporter_reads_only_the_appeals_it_filed(api_client_for, moderator, reporter):
    own = _appeal(moderator, reporter)
    other = appeals.file_appeal(decided_clip(moderator)[0].pk, moderator, "Entered by hand")
    client = api_client_for(reporter)
    rows = client.get(LIST).json()["results"]
    assert [r["id"] for r in rows] == [own.pk]
    # The reporter's view names no moderator.
    assert "reviewed_by" not in rows[0] and "may_review" not in rows[0]
    assert client.get(f"{LIST}{own.pk}/").status_code == 200
    response = client.get(f"{LIST}{other.pk}/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_listing_appeals_takes_the_same_queries_for_many(
    api_client_for, moderator, moderator2, reporter, django_assert_max_num_queries
):
    client = api_client_for(moderator2)
    _appeal(moderator, reporter)
    client.get(LIST)  # warm the token and role look-ups
    with django_assert_max_num_queries(6) as few:
        assert client.get(LIST).status_code == 200
    for _ in range(10):
        _appeal(moderator, reporter)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(LIST).json()["results"]) == 11
