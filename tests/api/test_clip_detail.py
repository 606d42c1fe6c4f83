"""GET /api/v1/clips/{id}/: the latest detection and the decision history, by role."""

import uuid

import pytest

from dashboard.claims import claim_clip
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import Report

pytestmark = pytest.mark.django_db


def test_moderator_sees_detection_reports_and_decisions(
    api_client_for, moderator, senior, scored_clip, django_assert_max_num_queries
):
    Report.objects.create(clip=scored_clip, reason="impersonation", note="her voice")
    claim_clip(scored_clip.pk, moderator)
    apply_decision(
        scored_clip.pk, moderator, DecisionRequest(action="escalate", reason="a minister")
    )
    # Escalated, it is for seniors now (dashboard.access): the moderator reads it no more.
    assert (
        api_client_for(moderator).get(f"/api/v1/clips/{scored_clip.public_id}/").status_code == 403
    )
    client = api_client_for(senior)
    # The detection payload, the signals and the matches share one read each of the active
    # run, the bank matches and the credentials (dashboard.memo); the signals add the
    # fingerprint and the metadata findings: a constant, not one per row.
    with django_assert_max_num_queries(14):
        response = client.get(f"/api/v1/clips/{scored_clip.public_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "escalated" and body["score"] == 0.82
    detection = body["detection"]
    assert detection["model"] == "tiny" and detection["version"] == "1"
    assert detection["faces_found"] == 2 and len(detection["timeline"]) == 3
    assert detection["score_reason"] is None and detection["validation"]["status"] == "none"
    assert body["suspicion"]["level"] == "weak"  # 0.82 >= 0.5 from an unvalidated model
    assert detection["timeline"][0]["faces"] == [[1, 2, 30, 30, 0.99]]
    assert [r["reason"] for r in body["report_log"]] == ["impersonation"]
    [decision] = body["decisions"]
    assert decision["action"] == "escalate" and decision["moderator"] == "moderator"
    assert decision["reason"] == "a minister" and decision["evidence"]["score"] == 0.82
    assert body["version"] >= 3 and body["claimed_by"] is None


def test_reporter_sees_the_status_of_its_clip_only(api_client_for, reporter, scored_clip):
    scored_clip.submitted_by = reporter
    scored_clip.save()
    response = api_client_for(reporter).get(f"/api/v1/clips/{scored_clip.public_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "awaiting_review"
    assert "decisions" not in body and "report_log" not in body and "claimed_by" not in body


@pytest.mark.parametrize("path", [f"/api/v1/clips/{uuid.uuid4()}/", "/api/v1/clips/not-a-uuid/"])
def test_unknown_clip_is_a_json_404(api_client_for, moderator, path):
    response = api_client_for(moderator).get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
