"""After an erasure the desk says so: the review page names the policy and date, media views
answer 410 with the same sentence (not a 404 or a 500), and the clip's record stays usable."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from retention.services import run_sweep
from teamwork.packs import EvidenceError, request_pack

pytestmark = pytest.mark.django_db


@pytest.fixture
def erased(stocked):
    run_sweep(dry_run=False, now=timezone.now() + timedelta(days=31))
    stocked.clip.refresh_from_db()
    assert stocked.clip.media_erased_at is not None
    return stocked


def _notice(clip) -> str:
    return f"Media erased under retention policy “Removed clips” on {timezone.now():%Y-%m-%d}."


def test_review_page_says_the_media_was_erased(erased, moderator, client):
    client.force_login(moderator)
    response = client.get(reverse("dashboard:clip", args=[erased.clip.public_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert _notice(erased.clip) in page
    assert reverse("dashboard:media", args=[erased.clip.public_id]) not in page
    assert erased.clip.sha256 in page  # the record stays: hashes, decisions, history
    assert "Impersonation policy" in page


def test_media_view_answers_410_with_the_notice(erased, moderator, client):
    client.force_login(moderator)
    response = client.get(
        reverse("dashboard:media", args=[erased.clip.public_id]), HTTP_RANGE="bytes=0-9"
    )
    assert response.status_code == 410
    assert response.content.decode() == _notice(erased.clip)


def test_pack_downloads_answer_410(erased, moderator, client, api_client_for):
    client.force_login(moderator)
    desk = client.get(reverse("teamwork:pack_download", args=[erased.pack.pk]))
    assert desk.status_code == 410 and _notice(erased.clip) in desk.content.decode()
    api = api_client_for(moderator).get(f"/api/v1/evidence-packs/{erased.pack.pk}/download/")
    assert api.status_code == 410 and api.json()["error"]["code"] == "media_erased"


def test_rendition_api_answers_410(erased, admin_user, api_client_for):
    response = api_client_for(admin_user).get(f"/api/v1/clips/{erased.clip.public_id}/rendition/")
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "media_erased"


def test_no_new_pack_is_built_from_erased_media(erased, senior):
    with pytest.raises(EvidenceError) as refused:
        request_pack(erased.clip.pk, senior)
    assert refused.value.status == 410 and refused.value.code == "media_erased"
