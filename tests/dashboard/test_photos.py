"""Photos as reviewable items: an upload is stored as evidence, scored as one frame, hashed,
decided and banked like a clip; a bomb is refused with its code and leaves nothing; the desk
serves only the copy without GPS (the original, with it, to seniors); deciding on a photo or
clip nobody could see needs "without watching", on the API as on the page."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File
from PIL import Image

from dashboard.claims import claim_clip
from dashboard.constants import ClipKind, ClipStatus, RenditionState
from dashboard.models import Clip, Decision, Label, Report, ReviewRendition
from detection import renditions, tasks
from detection.models import DetectionRun
from detection.registry import Manifest, register_model
from provenance import services as provenance
from provenance.models import BankEntry, ClipFingerprint
from tests import hostile
from tests.detection.conftest import SPEC, build_onnx
from tests.photos import face_photo, gps_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/clips/"


@pytest.fixture
def label(db) -> Label:
    return Label.objects.get(slug="face-swap")


@pytest.fixture
def active_model(tmp_path):
    manifest = Manifest.from_dict({"name": "tiny", "version": "1", "threshold": 0.5, **SPEC})
    return register_model(build_onnx(tmp_path / "tiny.onnx"), manifest, activate=True)


def stored_files() -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.FILE_UPLOAD_TEMP_DIR)]
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def upload(client, path: Path, name: str | None = None):
    with path.open("rb") as fh:
        return client.post(URL, {"file": File(fh, name=name or path.name)}, format="multipart")


def uploaded_photo(client, tmp_path: Path, **photo) -> Clip:
    response = upload(client, face_photo(tmp_path / "photo.jpg", **photo))
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "photo"
    return Clip.objects.get(public_id=response.json()["id"])


def test_a_photo_upload_is_scored_hashed_decided_and_banked(
    api_client_for, reporter, moderator, active_model, tmp_path, label
):
    clip = uploaded_photo(api_client_for(reporter), tmp_path)
    assert clip.kind == ClipKind.PHOTO and clip.file.name.endswith(".jpg")
    assert (clip.frame_count, clip.fps, clip.duration_s, clip.has_audio) == (1, 0.0, 0.0, False)

    assert tasks.run_scoring(clip.pk, job_id="job-1").outcome == "scored"
    run = DetectionRun.objects.get(clip=clip)
    assert run.frames_scored == 1 and run.faces_found >= 1
    assert run.clip_score is not None and [p["frame"] for p in run.timeline] == [0]
    assert run.crops.exists()
    assert renditions.run_rendition(clip.pk).outcome == "ready"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW

    moderator_api = api_client_for(moderator)
    listed = moderator_api.get(URL, {"kind": "photo"}).json()["results"]
    assert [row["id"] for row in listed] == [str(clip.public_id)]
    assert [row["kind"] for row in listed] == ["photo"]
    assert moderator_api.get(URL, {"kind": "video"}).json()["results"] == []
    assert moderator_api.post(f"{URL}{clip.public_id}/claim/").status_code == 200
    decided = moderator_api.post(
        f"{URL}{clip.public_id}/decision/",
        {"action": "label", "labels": [label.slug]},
        format="json",
    )
    assert decided.status_code == 201, decided.content
    decision = Decision.objects.get(clip=clip)
    assert "decided_without_playable_media" not in decision.evidence  # the copy was there

    entry = provenance.do_bank_decision(decision.pk)
    assert isinstance(entry, BankEntry) and entry.frame_count == 1
    assert ClipFingerprint.objects.get(clip=clip).hashes.frame_count == 1


def test_a_jpeg_bomb_is_refused_with_its_code_and_nothing_stays(api_client_for, reporter, tmp_path):
    response = upload(api_client_for(reporter), hostile.jpeg_bomb(tmp_path / "bomb.jpg"))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "image_too_large" and "pixels" in error["message"]
    assert Clip.objects.count() == 0 and Report.objects.count() == 0
    assert stored_files() == []


def test_an_animation_over_the_frame_limit_is_refused(api_client_for, reporter, tmp_path, settings):
    settings.UNMASK_PHOTO_MAX_FRAMES = 10
    response = upload(api_client_for(reporter), hostile.gif_with_frames(tmp_path / "a.gif", 11))
    assert response.json()["error"]["code"] == "too_many_frames"
    assert Clip.objects.count() == 0 and stored_files() == []


def test_the_desk_serves_the_photo_without_gps_and_the_original_keeps_it(
    client, api_client_for, reporter, moderator, senior, tmp_path
):
    clip = uploaded_photo(api_client_for(reporter), tmp_path, orientation=6)
    assert gps_of(Path(clip.file.path))  # stored untouched, as evidence
    assert renditions.run_rendition(clip.pk).outcome == "ready"
    rendition = ReviewRendition.objects.get(clip=clip)
    assert rendition.file.name.endswith(".review.jpg") and rendition.size_bytes > 0

    client.force_login(moderator)
    served = client.get(f"/clips/{clip.public_id}/review.mp4")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    copy = tmp_path / "served.jpg"
    copy.write_bytes(b"".join(served.streaming_content))
    assert gps_of(copy) == {}
    with Image.open(copy) as picture:
        assert picture.size == (480, 640)  # upright
    # The original, GPS and all, is evidence for seniors only.
    assert client.get(f"/clips/{clip.public_id}/media/").status_code == 403
    client.force_login(senior)
    original = client.get(f"/clips/{clip.public_id}/media/")
    assert original.status_code == 200
    assert b"".join(original.streaming_content) == Path(clip.file.path).read_bytes()

    page = client.get(f"/clips/{clip.public_id}/")
    assert f'src="/clips/{clip.public_id}/review.mp4"' in page.content.decode()
    assert "data-photo-viewer" in page.content.decode()


def test_the_queue_shows_the_item_type(client, api_client_for, reporter, moderator, tmp_path):
    clip = uploaded_photo(api_client_for(reporter), tmp_path)
    Clip.objects.filter(pk=clip.pk).update(status=ClipStatus.AWAITING_REVIEW)
    client.force_login(moderator)
    page = client.get("/").content.decode()
    assert 'data-kind="photo"' in page


@pytest.mark.parametrize("kind", ["photo", "video"])
def test_the_api_decides_without_watching_only_when_told_and_records_it(
    api_client_for, reporter, moderator, tmp_path, face_clip, kind
):
    path = face_photo(tmp_path / "p.jpg") if kind == "photo" else face_clip
    created = upload(api_client_for(reporter), path).json()
    clip = Clip.objects.get(public_id=created["id"])
    if kind == "video":  # a rendition that failed: nothing plays
        ReviewRendition.objects.filter(clip=clip).update(state=RenditionState.FAILED)
    Clip.objects.filter(pk=clip.pk).update(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    api = api_client_for(moderator)
    refused = api.post(f"{URL}{clip.public_id}/decision/", {"action": "approve"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "decide_without_watching"
    assert not Decision.objects.filter(clip=clip).exists()

    decided = api.post(
        f"{URL}{clip.public_id}/decision/",
        {"action": "approve", "without_watching": True},
        format="json",
    )
    assert decided.status_code == 201, decided.content
    evidence = Decision.objects.get(clip=clip).evidence
    assert evidence["decided_without_playable_media"] is True and evidence["watched"] is False
    assert decided.json()["evidence"]["watched"] is False


def test_the_review_page_describes_a_photo_in_korean(
    client, api_client_for, reporter, moderator, tmp_path
):
    clip = uploaded_photo(api_client_for(reporter), tmp_path)
    renditions.run_rendition(clip.pk)
    client.force_login(moderator)
    page = client.get(f"/clips/{clip.public_id}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "사진, 640×480, JPEG" in page
    assert "화면에 맞춤" in page and "확대" in page
