"""The API carries the uploader: on uploads and reports (validated, never fetched), on clips,
and as accounts with their items; a reporter never sees another platform's accounts."""

import pytest
from django.core.files import File

from dashboard.models import Account, Clip
from tests.factories import ClipFactory, ScoredClipFactory, decided_clip

pytestmark = pytest.mark.django_db


def _upload(client, face_clip, **fields):
    with face_clip.open("rb") as fh:
        return client.post(
            "/api/v1/clips/", {"file": File(fh, name="clip.mp4"), **fields}, format="multipart"
        )


def test_an_upload_names_its_uploader(api_client_for, reporter, face_clip):
    response = _upload(
        api_client_for(reporter),
        face_clip,
        platform="video-site",
        uploader_id="u-77",
        uploader_handle="@maker",
        uploader_url="https://video.example/@maker",
    )
    assert response.status_code == 201, response.content
    uploader = response.json()["uploader"]
    assert uploader["platform"] == "video-site" and uploader["account_id"] == "u-77"
    assert uploader["profile_url"] == "https://video.example/@maker"
    account = Account.objects.get()
    assert Clip.objects.get().account == account and account.handle == "@maker"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"platform": "video-site", "uploader_id": "u", "uploader_url": "javascript:x"},
            "uploader",
        ),
        ({"platform": "video-site", "uploader_handle": "@h"}, "uploader"),
        ({"uploader_id": "u-1"}, "platform"),
    ],
)
def test_a_malformed_uploader_is_a_400(api_client_for, reporter, face_clip, fields, field):
    response = _upload(api_client_for(reporter), face_clip, **fields)
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] and field in str(body)
    assert not Clip.objects.exists() and not Account.objects.exists()


def test_moderators_list_accounts_with_counts_and_items(api_client_for, moderator):
    account = Account.objects.create(platform="video-site", account_id="u-1", handle="@a")
    decided_clip("remove", moderator, account=account)
    decided_clip("label", moderator, account=account)
    ScoredClipFactory(account=account)
    client = api_client_for(moderator)
    rows = client.get("/api/v1/accounts/").json()["results"]
    assert [(r["account_id"], r["items"], r["removed"], r["labelled"]) for r in rows] == [
        ("u-1", 3, 1, 1)
    ]
    items = client.get(f"/api/v1/accounts/{account.pk}/items/").json()["results"]
    assert len(items) == 3 and all(i["uploader"]["id"] == account.pk for i in items)
    assert {i["status"] for i in items} == {"removed", "labeled", "awaiting_review"}


def test_a_reporter_sees_only_the_accounts_behind_its_own_clips(api_client_for, reporter):
    own = Account.objects.create(platform="video-site", account_id="mine")
    other_platform = Account.objects.create(platform="photo-site", account_id="theirs")
    mine = ClipFactory(submitted_by=reporter, account=own)
    ClipFactory(account=own)  # another integration's report of the same account
    ClipFactory(account=other_platform)
    client = api_client_for(reporter)
    rows = client.get("/api/v1/accounts/").json()["results"]
    assert [r["account_id"] for r in rows] == ["mine"]
    assert rows[0]["items"] == 1
    assert client.get(f"/api/v1/accounts/{other_platform.pk}/").status_code == 404
    assert client.get(f"/api/v1/accounts/{other_platform.pk}/items/").status_code == 404
    items = client.get(f"/api/v1/accounts/{own.pk}/items/").json()["results"]
    assert [i["id"] for i in items] == [str(mine.public_id)]


def test_a_decision_through_the_api_carries_the_recommendation(api_client_for, moderator):
    from dashboard.claims import claim_clip

    clip = ScoredClipFactory()
    claim_clip(clip.pk, moderator)
    response = api_client_for(moderator).post(
        f"/api/v1/clips/{clip.public_id}/decision/",
        {"action": "remove", "reason": "Impersonation", "account_recommendation": "restrict"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["account_recommendation"] == "restrict"
