"""Claim, release, next and decide through the API: the desk's rules, the API's answers."""

import pytest

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Decision
from tests.factories import ClipFactory, decided_clip, escalated_clip

pytestmark = pytest.mark.django_db


def url(clip, action: str) -> str:
    return f"/api/v1/clips/{clip.public_id}/{action}/"


def test_claim_then_decide(api_client_for, moderator, label):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    client = api_client_for(moderator)
    claimed = client.post(url(clip, "claim"))
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["action"] == "claimed" and claimed.json()["claimed_by"] == "moderator"
    version = claimed.json()["version"]
    response = client.post(
        url(clip, "decision"),
        {"action": "label", "labels": [label.slug], "note": "swap at 0:03", "version": version},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["action"] == "label" and body["labels"] == [label.slug]
    assert body["clip_status"] == "labeled" and body["moderator"] == "moderator"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.LABELED and clip.claimed_by is None
    assert Decision.objects.get(clip=clip).note == "swap at 0:03"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"action": "approve"}, 409, "not_held"),  # not claimed first
        ({"action": "label"}, 400, "labels_required"),
        ({"action": "remove"}, 400, "reason_required"),
        ({"action": "label", "labels": ["no-such-label"]}, 400, "unknown_label"),
        ({"action": "explode"}, 400, "invalid"),
        ({"action": "approve", "version": 1}, 409, "stale_version"),
    ],
)
def test_refused_decisions_change_nothing(
    api_client_for, moderator, moderator2, held_by, body, status, code
):
    clip = held_by(moderator2 if code == "not_held" else moderator)
    response = api_client_for(moderator).post(url(clip, "decision"), body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert Decision.objects.count() == 0
    clip.refresh_from_db()
    assert clip.status == ClipStatus.IN_REVIEW


def test_claim_held_by_another_is_409(api_client_for, moderator, moderator2, held_by):
    clip = held_by(moderator2)
    response = api_client_for(moderator).post(url(clip, "claim"))
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "held_by_other",
        "message": "moderator2 is reviewing this clip.",
    }


def test_escalated_clips_are_for_seniors(api_client_for, moderator, senior):
    clip = escalated_clip()
    refused = api_client_for(moderator).post(url(clip, "claim"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "senior_only"
    client = api_client_for(senior)
    assert client.post(url(clip, "claim")).status_code == 200
    decided = client.post(url(clip, "decision"), {"action": "approve"}, format="json")
    assert decided.status_code == 201 and decided.json()["clip_status"] == "approved"


def test_decided_clip_cannot_be_claimed(api_client_for, moderator):
    clip = decided_clip()
    response = api_client_for(moderator).post(url(clip, "claim"))
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_decided"


def test_release_only_by_the_holder(api_client_for, moderator, moderator2, held_by):
    clip = held_by(moderator)
    refused = api_client_for(moderator2).post(url(clip, "release"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_held"
    released = api_client_for(moderator).post(url(clip, "release"))
    assert released.status_code == 200
    assert released.json()["status"] == "awaiting_review"
    assert released.json()["claimed_by"] is None
    assert AuditEvent.objects.filter(clip=clip, action="claim.released").exists()


def test_next_takes_the_highest_priority_then_204(api_client_for, moderator):
    low = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=10)
    high = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=90)
    client = api_client_for(moderator)
    first = client.post("/api/v1/clips/next/", {}, format="json")
    assert first.status_code == 200 and first.json()["id"] == str(high.public_id)
    assert first.json()["claimed_by"] == "moderator"
    assert client.post("/api/v1/clips/next/").json()["id"] == str(low.public_id)
    assert client.post("/api/v1/clips/next/").status_code == 204


def test_next_escalated_is_for_seniors(api_client_for, moderator, senior):
    clip = escalated_clip()
    body = {"escalated": True}
    refused = api_client_for(moderator).post("/api/v1/clips/next/", body, format="json")
    assert refused.status_code == 403
    taken = api_client_for(senior).post("/api/v1/clips/next/", body, format="json")
    assert taken.status_code == 200 and taken.json()["id"] == str(clip.public_id)


def test_report_an_existing_clip_by_id(api_client_for, reporter):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=0, submitted_by=reporter)
    response = api_client_for(reporter).post(
        url(clip, "reports"),
        {"reason": "impersonation", "note": "not her", "subjects": ["Ana Example"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "impersonation"
    assert response.json()["clip"] == str(clip.public_id)
    clip.refresh_from_db()
    assert clip.reports.get().reporter == response.wsgi_request.user
    assert [p.name for p in clip.persons.all()] == ["Ana Example"]
    assert clip.priority > 0
    assert AuditEvent.objects.filter(clip=clip, action="clip.reported").exists()


def test_report_with_bad_reason_is_refused(api_client_for, reporter):
    clip = ClipFactory(submitted_by=reporter)
    response = api_client_for(reporter).post(url(clip, "reports"), {"reason": "meh"}, format="json")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"reason"}
    assert clip.reports.count() == 0
