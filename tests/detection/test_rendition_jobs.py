"""Review renditions end to end below the browser: ingest judges the upload, the job makes the
rendition (or only stills), stores it beside the original, fails in words, and is swept; the
desk serves it with ranges behind the same check, and a decision without playable media needs
the explicit second answer and records it."""

from pathlib import Path
from unittest import mock

import av
import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.urls import reverse

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus, RenditionState
from dashboard.models import Clip, Decision, ReviewRendition
from desk.ingest import Submission, ingest_upload
from detection import renditions
from detection.rendition import RenditionError
from detection.synthetic import encode_clip, face_frames, make_clip
from detection.tasks import resend_unfinished_renditions
from retention.services import erase_clip_media

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def mpeg4_upload(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("uploads")
    return make_clip(folder / "mp4v.mp4", kind="face", seconds=1.0, size=(320, 240), seed=5)


@pytest.fixture(scope="module")
def vp9_upload(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("uploads")
    return encode_clip(
        folder / "clip.webm",
        face_frames(25, (320, 240), seed=6),
        container_format="webm",
        video_codec="libvpx-vp9",
    )


def ingest(path: Path, reporter) -> Clip:
    with path.open("rb") as fh:
        return ingest_upload(File(fh, name=path.name), Submission(platform="x"), reporter).clip


def test_an_mpeg4_part2_upload_gets_an_h264_rendition_beside_it(mpeg4_upload, reporter):
    clip = ingest(mpeg4_upload, reporter)
    row = ReviewRendition.objects.get(clip=clip)
    assert row.state == RenditionState.PENDING
    assert "mpeg4" in row.needed_because

    assert renditions.run_rendition(clip.pk).outcome == "ready"
    row.refresh_from_db()
    base = clip.file.name.rsplit(".", 1)[0]
    assert row.file.name == f"{base}.review.mp4"
    assert row.poster.name == f"{base}.poster.jpg"
    assert row.contact_sheet.name == f"{base}.sheet.jpg"
    assert default_storage.size(row.file.name) == row.size_bytes > 0
    assert (row.codec, row.width, row.height) == ("h264", 320, 240)
    assert len(row.sha256) == 64 and row.finished_at is not None
    with av.open(default_storage.path(row.file.name)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    assert clip.audit_events.filter(action="rendition.ready").exists()
    # Idempotent: a second delivery finds it finished.
    assert renditions.run_rendition(clip.pk).outcome == "skipped"


def test_a_vp9_webm_upload_is_served_as_uploaded(vp9_upload, reporter):
    clip = ingest(vp9_upload, reporter)
    row = ReviewRendition.objects.get(clip=clip)
    assert row.state == RenditionState.NOT_NEEDED
    assert renditions.run_rendition(clip.pk).outcome == "not_needed"
    row.refresh_from_db()
    assert not row.file and row.size_bytes == 0
    assert row.poster and row.contact_sheet
    assert not default_storage.exists(clip.file.name.rsplit(".", 1)[0] + ".review.mp4")


def test_a_failure_records_the_reason_keeps_the_original_and_the_contact_sheet(
    mpeg4_upload, reporter
):
    clip = ingest(mpeg4_upload, reporter)
    with mock.patch.object(
        renditions, "make_rendition", side_effect=RenditionError("the encoder refused it")
    ):
        assert renditions.run_rendition(clip.pk).outcome == "failed"
    row = ReviewRendition.objects.get(clip=clip)
    assert row.state == RenditionState.FAILED
    assert row.failure_reason == "The encoder refused it."
    assert row.contact_sheet and not row.file
    assert default_storage.exists(clip.file.name)


def test_a_transient_error_releases_the_claim_for_the_retry(mpeg4_upload, reporter):
    clip = ingest(mpeg4_upload, reporter)
    with (
        mock.patch.object(renditions, "make_rendition", side_effect=ConnectionError("s3")),
        pytest.raises(ConnectionError),
    ):
        renditions.run_rendition(clip.pk)
    row = ReviewRendition.objects.get(clip=clip)
    assert (row.state, row.lease_until, row.finished_at, row.attempts) == (
        RenditionState.PENDING,
        None,
        None,
        1,
    )
    assert renditions.run_rendition(clip.pk).outcome == "ready"


def test_the_sweeper_opens_missing_rows_resends_and_gives_up(mpeg4_upload, reporter):
    clip = ingest(mpeg4_upload, reporter)
    ReviewRendition.objects.filter(clip=clip).delete()  # a clip from before renditions
    stuck = ingest(make_clip(mpeg4_upload.parent / "other.mp4", seconds=0.5, seed=9), reporter)
    ReviewRendition.objects.filter(clip=stuck).update(attempts=renditions.MAX_ATTEMPTS)
    with mock.patch("detection.tasks.make_review_rendition.apply_async") as send:
        result = resend_unfinished_renditions()
    assert result == {"opened": 1, "resent": 1, "gave_up": 1}
    assert send.call_args.kwargs["args"] == [clip.pk]
    assert ReviewRendition.objects.get(clip=clip).enqueued_at is not None
    failed = ReviewRendition.objects.get(clip=stuck)
    assert failed.state == RenditionState.FAILED and "Gave up" in failed.failure_reason
    # Sent and not yet stale: the next beat leaves it alone.
    assert renditions.rows_to_resend() == []


def test_erasure_deletes_the_rendition_poster_and_sheet(mpeg4_upload, reporter, admin_user):
    clip = ingest(mpeg4_upload, reporter)
    renditions.run_rendition(clip.pk)
    row = ReviewRendition.objects.get(clip=clip)
    names = [row.file.name, row.poster.name, row.contact_sheet.name]
    assert all(default_storage.exists(n) for n in names)
    erase_clip_media(clip.pk, under="erasure request 1", actor=admin_user)
    assert not any(default_storage.exists(n) for n in names)
    row.refresh_from_db()
    assert not row.file and not row.poster and not row.contact_sheet


def _in_review(clip: Clip, moderator) -> Clip:
    Clip.objects.filter(pk=clip.pk).update(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    clip.refresh_from_db()
    return clip


def test_the_player_gets_the_rendition_with_ranges_behind_the_check(
    client, mpeg4_upload, reporter, moderator, outsider
):
    clip = ingest(mpeg4_upload, reporter)
    renditions.run_rendition(clip.pk)
    row = ReviewRendition.objects.get(clip=clip)
    url = reverse("dashboard:review_media", args=[clip.public_id])
    client.force_login(outsider)
    assert client.get(url).status_code in (302, 403)
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert f'src="{url}"' in page
    assert reverse("dashboard:poster", args=[clip.public_id]) in page
    response = client.get(url, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{row.size_bytes}"
    assert response["Content-Type"] == "video/mp4"
    assert response["ETag"] == f'"{row.sha256}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    sheet = client.get(reverse("dashboard:contact_sheet", args=[clip.public_id]))
    assert sheet.status_code == 200 and sheet["Content-Type"] == "image/jpeg"
    # The original stays the evidence, unchanged.
    original = client.get(reverse("dashboard:media", args=[clip.public_id]))
    assert original["ETag"] == f'"{clip.sha256}"'


def test_without_playable_media_deciding_needs_the_second_answer(
    client, mpeg4_upload, reporter, moderator
):
    clip = ingest(mpeg4_upload, reporter)
    with mock.patch.object(renditions, "make_rendition", side_effect=RenditionError("broken")):
        renditions.run_rendition(clip.pk)
    clip = _in_review(clip, moderator)
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "making a playable copy failed: Broken." in page
    assert reverse("dashboard:contact_sheet", args=[clip.public_id]) in page
    assert "Decide without watching?" in page
    assert reverse("dashboard:media", args=[clip.public_id]) not in page, "no black player"

    decide = reverse("dashboard:decide", args=[clip.public_id])
    form = {"action": "approve", "expected_version": clip.version}
    refused = client.post(decide, form, HTTP_ACCEPT="application/json")
    assert refused.status_code == 409
    assert refused.json()["error"] == "decide_without_watching"
    assert not Decision.objects.filter(clip=clip).exists()

    done = client.post(decide, {**form, "without_watching": "1"}, HTTP_ACCEPT="application/json")
    assert done.status_code == 200, done.content
    evidence = Decision.objects.get(clip=clip).evidence
    assert evidence["decided_without_playable_media"] is True
    assert evidence["watched"] is False
    assert evidence["rendition_state"] == RenditionState.FAILED


def test_with_playable_media_the_decision_records_nothing_extra(
    client, vp9_upload, reporter, moderator
):
    clip = _in_review(ingest(vp9_upload, reporter), moderator)
    client.force_login(moderator)
    decide = reverse("dashboard:decide", args=[clip.public_id])
    done = client.post(
        decide,
        {"action": "approve", "expected_version": clip.version},
        HTTP_ACCEPT="application/json",
    )
    assert done.status_code == 200
    assert "decided_without_playable_media" not in Decision.objects.get(clip=clip).evidence
