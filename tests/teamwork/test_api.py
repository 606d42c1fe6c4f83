"""The team-workflow API: appeals forwarded by platforms, evidence packs, held decisions."""

import pytest

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from teamwork import tasks
from teamwork.models import EvidencePack
from tests.factories import ClipFactory, PersonFactory
from tests.teamwork.helpers import decided_clip

pytestmark = pytest.mark.django_db


def test_held_decision_answers_202_with_the_pending_decision(api_client_for, moderator):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    clip.persons.add(PersonFactory(protected=True))
    claim_clip(clip.pk, moderator)
    response = api_client_for(moderator).post(
        f"/api/v1/clips/{clip.public_id}/decision/",
        {"action": "remove", "reason": "Impersonation"},
        format="json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "pending" and body["clip_status"] == ClipStatus.AWAITING_CONFIRM
    assert body["proposed_by"] == "moderator"


def test_platform_forwards_an_appeal(api_client_for, moderator, reporter):
    clip, decision = decided_clip(moderator)
    clip.submitted_by = reporter
    clip.save()
    response = api_client_for(reporter).post(
        f"/api/v1/clips/{clip.public_id}/appeals/",
        {"statement": "This is my own face.", "appellant": "uploader 7"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["decision"], body["state"], body["source"]) == (decision.pk, "open", "api")


def test_appeal_errors_use_the_error_shape(api_client_for, moderator, reporter):
    undecided = ClipFactory(status=ClipStatus.AWAITING_REVIEW, submitted_by=reporter)
    client = api_client_for(reporter)
    response = client.post(
        f"/api/v1/clips/{undecided.public_id}/appeals/", {"statement": "x"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_decided"
    response = client.post(f"/api/v1/clips/{undecided.public_id}/appeals/", {}, format="json")
    assert response.status_code == 400 and "statement" in response.json()["error"]["fields"]
    # A reporter appeals only clips it submitted.
    other, _ = decided_clip(moderator)
    response = client.post(
        f"/api/v1/clips/{other.public_id}/appeals/", {"statement": "x"}, format="json"
    )
    assert response.status_code == 403


def test_evidence_pack_requested_and_listed(
    api_client_for, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.build_evidence_pack, "apply_async", lambda args: None)
    clip, _ = decided_clip(moderator)
    client = api_client_for(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/clips/{clip.public_id}/evidence-packs/")
    assert response.status_code == 202, response.content
    assert response.json()["state"] == "queued"
    listed = client.get(f"/api/v1/clips/{clip.public_id}/evidence-packs/").json()
    assert [p["id"] for p in listed] == [EvidencePack.objects.get().pk]
    undecided = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    response = client.post(f"/api/v1/clips/{undecided.public_id}/evidence-packs/")
    assert response.status_code == 409
