"""Per-reporter upload quotas: one integration cannot queue hundreds of clips a minute."""

import pytest

from dashboard.models import Clip
from tests import hostile
from tests.dashboard.test_ingest_api import post_file, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def clips(tmp_path):
    return [
        hostile.video(tmp_path / f"clip-{i}.mp4", width=64, height=48, frames=25 + i)
        for i in range(3)
    ]


def test_uploads_over_the_quota_are_refused_with_retry_after(
    settings, api_client_for, reporter, clips
):
    settings.UNMASK_UPLOAD_QUOTA_PER_MINUTE = 2
    client = api_client_for(reporter)
    assert [post_file(client, path).status_code for path in clips[:2]] == [201, 201]
    refused = post_file(client, clips[2])
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    error = refused.json()["error"]
    assert error["code"] == "upload_quota"
    assert "2 clips a minute" in error["message"] and "retry in" in error["message"]
    # Nothing of the refused upload was kept.
    assert Clip.objects.count() == 2
    assert len([p for p in stored_files() if "clips" in p.parts]) == 2


def test_each_token_has_its_own_quota_and_reads_are_not_counted(
    settings, api_client_for, reporter, moderator, clips
):
    settings.UNMASK_UPLOAD_QUOTA_PER_MINUTE = 1
    first, other = api_client_for(reporter), api_client_for(moderator)
    created = post_file(first, clips[0])
    assert created.status_code == 201
    for _ in range(3):
        assert first.get(f"/api/v1/clips/{created.json()['id']}/").status_code == 200
    assert post_file(first, clips[1]).status_code == 429
    assert post_file(other, clips[1]).status_code == 201


def test_a_quota_of_zero_is_no_quota(settings, api_client_for, reporter, clips):
    settings.UNMASK_UPLOAD_QUOTA_PER_MINUTE = 0
    client = api_client_for(reporter)
    assert [post_file(client, path).status_code for path in clips] == [201, 201, 201]
