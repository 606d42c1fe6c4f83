"""Idempotency-Key: a retried POST gets the first answer and creates nothing new."""

from datetime import timedelta

import pytest
from django.core.files import File
from django.utils import timezone

from dashboard.constants import ClipStatus
from dashboard.models import Clip, Decision, IdempotencyKey, Report
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db


def post_clip(client, path, key, **fields):
    with path.open("rb") as fh:
        return client.post(
            "/api/v1/clips/",
            {"file": File(fh, name="clip.mp4"), **fields},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY=key,
        )


def test_same_upload_same_key_creates_one_clip_and_replays_the_body(
    api_client_for, reporter, face_clip
):
    client = api_client_for(reporter)
    first = post_clip(client, face_clip, "upload-1", platform="video-site")
    second = post_clip(client, face_clip, "upload-1", platform="video-site")
    assert first.status_code == second.status_code == 201
    assert second.content == first.content  # byte for byte, "created": true included
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Clip.objects.count() == 1
    assert Report.objects.count() == 1  # the retry did not even report again


def test_same_key_different_body_is_422(api_client_for, reporter, face_clip, noface_clip):
    client = api_client_for(reporter)
    assert post_clip(client, face_clip, "k").status_code == 201
    reused = post_clip(client, noface_clip, "k")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    other_field = post_clip(client, face_clip, "k", platform="elsewhere")
    assert other_field.status_code == 422
    assert Clip.objects.count() == 1


def test_keys_are_per_user(api_client_for, reporter, moderator, held_by):
    clip = ClipFactory(submitted_by=reporter)  # a reporter reports the clips it submitted
    body = {"reason": "impersonation"}
    url = f"/api/v1/clips/{clip.public_id}/reports/"
    first = api_client_for(reporter).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    other = api_client_for(moderator).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert first.status_code == other.status_code == 201
    assert first.json()["id"] != other.json()["id"]
    assert Report.objects.filter(clip=clip).count() == 2


def test_decision_retry_replays_instead_of_a_409(api_client_for, moderator, held_by):
    clip = held_by(moderator)
    client = api_client_for(moderator)
    url = f"/api/v1/clips/{clip.public_id}/decision/"
    first = client.post(url, {"action": "approve"}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    retry = client.post(url, {"action": "approve"}, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert Decision.objects.count() == 1
    # Without the key the same request is a new attempt, refused by the desk's rules.
    assert client.post(url, {"action": "approve"}, format="json").status_code == 409


def test_an_error_releases_the_key(api_client_for, moderator, moderator2):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    client = api_client_for(moderator)
    url = f"/api/v1/clips/{clip.public_id}/claim/"
    api_client_for(moderator2).post(url)
    refused = client.post(url, HTTP_IDEMPOTENCY_KEY="claim-1")
    assert refused.status_code == 409
    assert not IdempotencyKey.objects.filter(key="claim-1").exists()
    api_client_for(moderator2).post(f"/api/v1/clips/{clip.public_id}/release/")
    assert client.post(url, HTTP_IDEMPOTENCY_KEY="claim-1").status_code == 200


def test_in_flight_key_is_409(api_client_for, moderator, held_by):
    IdempotencyKey.objects.create(
        user=moderator,
        key="busy",
        method="POST",
        path="/x/",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    clip = held_by(moderator)
    response = api_client_for(moderator).post(
        f"/api/v1/clips/{clip.public_id}/release/", HTTP_IDEMPOTENCY_KEY="busy"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"


def test_expired_key_is_forgotten(api_client_for, reporter):
    clip = ClipFactory(submitted_by=reporter)
    url = f"/api/v1/clips/{clip.public_id}/reports/"
    client = api_client_for(reporter)
    client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 201
    assert Report.objects.filter(clip=clip).count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve"])
def test_malformed_keys_are_400(api_client_for, reporter, key):
    clip = ClipFactory()
    response = api_client_for(reporter).post(
        f"/api/v1/clips/{clip.public_id}/reports/", {}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
