"""Clip media and face crops behind the permission check, with HTTP Range for seeking."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from dashboard.http import ByteRange, RangeNotSatisfiable, parse_range
from tests.factories import DetectorModelFactory, ScoredClipFactory, tiny_jpeg

PAYLOAD = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def clip(db):
    clip = ScoredClipFactory(model=DetectorModelFactory())
    default_storage.delete(clip.file.name)
    clip.file.name = default_storage.save(clip.file.name, ContentFile(PAYLOAD))
    clip.save()
    return clip


@pytest.fixture
def media_url(clip):
    return reverse("dashboard:media", args=[clip.public_id])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_whole_file_with_accept_ranges(client, moderator, media_url):
    client.force_login(moderator)
    response = client.get(media_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(PAYLOAD))
    assert "private" in response["Cache-Control"]
    assert body(response) == PAYLOAD


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len(PAYLOAD) - 1),
        ("bytes=-500", len(PAYLOAD) - 500, len(PAYLOAD) - 1),
        ("bytes=10000-99999", 10000, len(PAYLOAD) - 1),
        ("bytes=5-5", 5, 5),
    ],
)
def test_a_range_gives_206_with_content_range(client, moderator, media_url, header, start, end):
    client.force_login(moderator)
    response = client.get(media_url, HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(PAYLOAD)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == PAYLOAD[start : end + 1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", ["bytes=20000-", "bytes=500-100", "bytes=-0", "bytes=abc-def", "bytes=-"]
)
def test_bad_ranges_give_416(client, moderator, media_url, header):
    client.force_login(moderator)
    response = client.get(media_url, HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(PAYLOAD)}"


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["items=0-5", "bytes=0-1,5-9"])
def test_ranges_the_server_ignores_get_the_whole_file(client, moderator, media_url, header):
    client.force_login(moderator)
    response = client.get(media_url, HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == PAYLOAD


@pytest.mark.django_db
def test_if_range_for_another_file_sends_the_whole_file(client, moderator, clip, media_url):
    client.force_login(moderator)
    stale = client.get(media_url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"something-else"')
    assert stale.status_code == 200
    same = client.get(media_url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=f'"{clip.sha256}"')
    assert same.status_code == 206


@pytest.mark.django_db
def test_media_is_read_through_storage_not_a_path(client, moderator, clip, media_url, settings):
    """A storage without local paths (S3-like, here in memory) still serves the clip."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert default_storage.save(clip.file.name, ContentFile(PAYLOAD[::-1])) == clip.file.name
    assert type(default_storage._wrapped).__name__ == "InMemoryStorage"
    client.force_login(moderator)
    assert body(client.get(media_url, HTTP_RANGE="bytes=0-3")) == PAYLOAD[::-1][:4]


@pytest.mark.django_db
def test_unknown_clip_is_404(client, moderator):
    client.force_login(moderator)
    url = reverse("dashboard:media", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_face_crop_is_served_as_jpeg(client, moderator, clip):
    crop = clip.runs.get().crops.get(rank=0)
    client.force_login(moderator)
    response = client.get(reverse("dashboard:crop", args=[crop.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == tiny_jpeg(0)


def test_parse_range_units():
    assert parse_range(None, 10) is None
    assert parse_range("bytes=2-4", 10) == ByteRange(2, 4)
    assert ByteRange(2, 4).length == 3
    assert parse_range("bytes=-20", 10) == ByteRange(0, 9)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-0", 0)
