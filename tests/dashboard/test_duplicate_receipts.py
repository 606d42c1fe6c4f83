"""Uploading bytes the desk already has: a caller who may read the existing clip gets it back; a
caller who may not (another integration's clip, an escalated clip for a moderator) gets only a
receipt for its own report — never the other clip's status, caption, persons, score or id."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from dashboard.constants import ClipStatus, Role
from dashboard.models import Clip, Report
from dashboard.roles import set_role
from tests.dashboard.test_ingest_api import post_file

pytestmark = pytest.mark.django_db

SECRET_CAPTION = "caption only the first integration knows"


@pytest.fixture
def reporter2(db):
    user = get_user_model().objects.create_user("reporter2", password="x" * 20)  # noqa: S106
    set_role(user, Role.REPORTER)
    return user


@pytest.fixture
def known(api_client_for, reporter, face_clip) -> Clip:
    response = post_file(
        api_client_for(reporter),
        face_clip,
        caption=SECRET_CAPTION,
        platform="secret-platform",
        source_url="https://secret.example/v/1",
        subjects=["Known Person"],
    )
    assert response.status_code == 201, response.content
    clip = Clip.objects.get()
    Clip.objects.filter(pk=clip.pk).update(score=0.93)
    return clip


def _assert_receipt_only(response, clip: Clip, reporter) -> None:
    assert response.status_code == 200, response.content
    report = Report.objects.filter(reporter=reporter).latest("pk")
    assert response.json() == {"report": report.pk, "status": "already_known"}
    text = response.content.decode()
    for secret in (str(clip.public_id), clip.public_id.hex[:8], SECRET_CAPTION, "secret-", "0.93"):
        assert secret not in text


def test_another_integration_gets_a_receipt_not_the_clip(
    api_client_for, reporter2, known, face_clip
):
    response = post_file(api_client_for(reporter2), face_clip, caption="mine")
    _assert_receipt_only(response, known, reporter2)
    assert Report.objects.filter(clip=known, reporter=reporter2).count() == 1


def test_the_submitter_itself_gets_its_clip_back(api_client_for, reporter, known, face_clip):
    response = post_file(api_client_for(reporter), face_clip)
    assert response.status_code == 200
    assert response.json()["id"] == str(known.public_id)
    assert response.json()["created"] is False


def test_a_moderator_gets_a_receipt_for_an_escalated_clip(
    api_client_for, moderator, senior, known, face_clip
):
    Clip.objects.filter(pk=known.pk).update(status=ClipStatus.ESCALATED)
    _assert_receipt_only(post_file(api_client_for(moderator), face_clip), known, moderator)
    # A senior may read it, so it gets the clip.
    again = post_file(api_client_for(senior), face_clip)
    assert again.status_code == 200 and again.json()["id"] == str(known.public_id)


def test_the_receipt_is_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    ok = schema["paths"]["/api/v1/clips/"]["post"]["responses"]["200"]
    name = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    body = schema["components"]["schemas"][name]
    refs = {item["$ref"].rsplit("/", 1)[-1] for item in body["oneOf"]}
    assert refs == {"Clip", "DuplicateReceipt"}
    receipt = schema["components"]["schemas"]["DuplicateReceipt"]
    assert set(receipt["required"]) == {"report", "status"}


def test_desk_upload_of_an_escalated_clip_shows_no_clip(client, moderator, known, face_clip):
    Clip.objects.filter(pk=known.pk).update(status=ClipStatus.ESCALATED)
    client.force_login(moderator)
    with face_clip.open("rb") as fh:
        response = client.post(reverse("dashboard:upload"), {"file": fh, "reason": "deepfake"})
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    report = Report.objects.filter(reporter=moderator).get()
    assert f"report #{report.pk}" in html and "already known" in html
    assert str(known.public_id) not in html and known.short_id not in html
    assert SECRET_CAPTION not in html


def test_desk_upload_of_a_visible_clip_opens_it(client, moderator, known, face_clip):
    Clip.objects.filter(pk=known.pk).update(status=ClipStatus.AWAITING_REVIEW)
    client.force_login(moderator)
    with face_clip.open("rb") as fh:
        response = client.post(reverse("dashboard:upload"), {"file": fh, "reason": "deepfake"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:clip", args=[known.public_id])
