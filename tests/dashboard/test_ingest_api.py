"""POST /api/v1/clips/: valid clips are stored and queued; hostile uploads leave nothing behind."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File
from django.test import override_settings

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip, Report
from tests import hostile

URL = "/api/v1/clips/"


def stored_files() -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.FILE_UPLOAD_TEMP_DIR)]
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def post_file(client, path: Path, name: str | None = None, **fields):
    with path.open("rb") as fh:
        upload = File(fh, name=name or path.name)
        return client.post(URL, {"file": upload, **fields}, format="multipart")


@pytest.mark.django_db
def test_valid_clip_is_stored_queued_and_reported(api_client_for, reporter, face_clip):
    client = api_client_for(reporter)
    response = post_file(
        client,
        face_clip,
        platform="video-site",
        source_url="https://example.org/v/1",
        caption="kiss off-screen",
        reason="deepfake",
        note="looks animated",
        subjects=["Ana Example", "Bo Example"],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == ClipStatus.QUEUED
    assert body["created"] is True
    clip = Clip.objects.get(public_id=body["id"])
    assert clip.width == 320 and clip.height == 240
    assert clip.frame_count == 50
    assert sorted(p.name for p in clip.persons.all()) == ["Ana Example", "Bo Example"]
    assert Report.objects.filter(clip=clip, reason="deepfake", reporter=reporter).count() == 1
    assert Path(clip.file.path).exists()
    # Stored under a generated name, never the uploader's.
    assert face_clip.name not in clip.file.name
    assert clip.public_id.hex in clip.file.name
    assert AuditEvent.objects.filter(clip=clip, action="clip.ingested").exists()


@pytest.mark.django_db
def test_same_bytes_add_a_report_to_the_existing_clip(
    api_client_for, reporter, moderator, face_clip
):
    first = post_file(api_client_for(reporter), face_clip)
    second = post_file(
        api_client_for(moderator), face_clip, name="renamed.mov", reason="impersonation"
    )
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["created"] is False
    assert Clip.objects.count() == 1
    assert Report.objects.count() == 2
    assert len([p for p in stored_files() if "clips" in p.parts]) == 1


@pytest.mark.django_db
def test_get_clip_returns_status(api_client_for, reporter, face_clip):
    client = api_client_for(reporter)
    created = post_file(client, face_clip).json()
    response = client.get(f"{URL}{created['id']}/")
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert response.json()["score"] is None


REJECTIONS = [
    ("empty_file", hostile.empty, 400),
    ("unsupported_media", hostile.text, 415),
    ("unsupported_media", hostile.html, 415),
    ("unsupported_media", hostile.random_bytes, 415),
    ("image_too_large", hostile.jpeg_bomb, 400),
    ("no_video_stream", hostile.audio_only_mp4, 400),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "builder", "status"), REJECTIONS)
def test_rejected_uploads_leave_no_file_and_no_row(
    api_client_for, reporter, tmp_path, code, builder, status
):
    path = builder(tmp_path / "upload.mp4")
    response = post_file(api_client_for(reporter), path)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert Clip.objects.count() == 0
    assert Report.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
def test_truncated_video_is_unreadable(api_client_for, reporter, tmp_path, face_clip):
    path = hostile.truncated(face_clip, tmp_path / "cut.mp4")
    response = post_file(api_client_for(reporter), path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unreadable_media"
    assert Clip.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
def test_too_short(api_client_for, reporter, tmp_path):
    path = hostile.video(tmp_path / "blip.mp4", frames=2)
    response = post_file(api_client_for(reporter), path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_short"
    assert Clip.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
@override_settings(UNMASK_MAX_WIDTH=320, UNMASK_MAX_HEIGHT=240)
def test_resolution_too_large(api_client_for, reporter, tmp_path):
    path = hostile.video(tmp_path / "big.mp4", width=640, height=480, frames=10)
    response = post_file(api_client_for(reporter), path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "resolution_too_large"
    assert Clip.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
@override_settings(UNMASK_UPLOAD_MAX_BYTES=256 * 1024)
def test_too_large_is_cut_while_streaming(api_client_for, reporter, tmp_path):
    path = hostile.large_file(tmp_path / "huge.mp4", 700 * 1024)
    response = post_file(api_client_for(reporter), path)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert Clip.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
@override_settings(UNMASK_UPLOAD_MAX_BYTES=256 * 1024)
def test_too_large_declared_length_refused_before_reading(api_client_for, reporter):
    client = api_client_for(reporter)
    response = client.generic(
        "POST",
        URL,
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=zz",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.django_db
def test_missing_file_field(api_client_for, reporter):
    response = api_client_for(reporter).post(URL, {"platform": "x"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_file"


@pytest.mark.django_db
def test_bad_fields_are_refused_before_storing(api_client_for, reporter, face_clip):
    response = post_file(api_client_for(reporter), face_clip, reason="because", source_url="nope")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"reason", "source_url"}
    assert Clip.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.mp4",
        "..\\..\\windows\\evil.mp4",
        "ctrl\x00\x07\x1bname.mp4",
        "invoice\u202egpj.mp4",
        "a" * 300 + ".mp4",
        "<script>alert(1)</script>.mp4",
    ],
)
def test_hostile_filenames_are_stored_safely(api_client_for, reporter, face_clip, name, client):
    response = post_file(api_client_for(reporter), face_clip, name=name)
    assert response.status_code == 201, response.content
    clip = Clip.objects.get(public_id=response.json()["id"])
    shown = clip.original_filename
    assert "/" not in shown and "\\" not in shown and ".." not in shown
    assert all(ord(ch) >= 32 for ch in shown)
    assert "\u202e" not in shown
    assert len(shown) <= 200
    # The stored file lives under media/clips whatever the name said.
    stored = Path(clip.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "clips")


@pytest.mark.django_db
def test_script_in_filename_is_shown_escaped(
    api_client_for, reporter, moderator, face_clip, client
):
    name = "<img src=x onerror=alert(1)>.mp4"
    response = post_file(api_client_for(reporter), face_clip, name=name)
    clip_id = response.json()["id"]
    client.force_login(moderator)
    for url in (f"/clips/{clip_id}/", "/?status=queued"):
        page = client.get(url)
        assert page.status_code == 200
        assert b"<img src=x onerror" not in page.content
        assert b"&lt;img src=x onerror=alert(1)&gt;.mp4" in page.content


@pytest.mark.django_db
def test_anonymous_and_wrong_tokens_are_refused(api_client_for, outsider, face_clip):
    assert post_file(api_client_for(None), face_clip).status_code == 401
    bad = api_client_for(None)
    bad.credentials(HTTP_AUTHORIZATION="Token um_not-a-real-token")
    response = post_file(bad, face_clip)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert post_file(api_client_for(outsider), face_clip).status_code == 403
    assert Clip.objects.count() == 0


@pytest.mark.django_db
def test_reporter_reads_only_its_own_clips(
    api_client_for, reporter, moderator, face_clip, noface_clip
):
    mine = post_file(api_client_for(reporter), face_clip).json()["id"]
    theirs = post_file(api_client_for(moderator), noface_clip).json()["id"]
    client = api_client_for(reporter)
    assert client.get(f"{URL}{mine}/").status_code == 200
    assert client.get(f"{URL}{theirs}/").status_code == 403
    assert api_client_for(moderator).get(f"{URL}{mine}/").status_code == 200
