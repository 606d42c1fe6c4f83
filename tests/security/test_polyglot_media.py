"""Polyglots: a valid video (or image) with an HTML page appended, sent under an .html name.

Whatever the uploader calls it, the stored name's extension comes from the content, and every
view that serves stored media answers with that sniffed type, `nosniff`, a sandbox CSP and a
Content-Disposition whose filename carries the sniffed extension: never `text/html`.
"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dashboard.models import Clip
from desk.media import crop_response
from detection.models import FaceCrop
from provenance.models import BankEntry, DisclosedRendition, RenditionState
from provenance.services import do_register_reference
from teamwork.models import EvidencePack, PackState
from tests.factories import PersonFactory
from tests.teamwork.helpers import decided_clip

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>\n"


@pytest.fixture
def polyglot(face_clip) -> bytes:
    return face_clip.read_bytes() + HTML


def _assert_safe(response, content_type: str, extension: str, disposition: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "html" not in response["Content-Type"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    value = response["Content-Disposition"]
    assert value.startswith(disposition + ";"), value
    assert value.endswith(f'.{extension}"'), value
    assert ".html" not in value


def test_reference_sent_as_html_is_stored_and_served_as_mp4(client, moderator, polyglot):
    person = PersonFactory()
    client.force_login(moderator)
    upload = SimpleUploadedFile("press.html", polyglot, content_type="text/html")
    response = client.post(
        reverse("provenance:references"), {"person": person.pk, "title": "", "file": upload}
    )
    assert response.status_code == 302, response.content[:500]
    entry = BankEntry.objects.get(person=person)
    assert entry.reference_file.name.endswith(".mp4")
    assert entry.title == "press.html"  # the name is shown, never used to store or serve
    media = client.get(reverse("provenance:reference_media", args=[entry.pk]))
    _assert_safe(media, "video/mp4", "mp4", "inline")


def test_still_reference_sent_as_html_is_stored_as_png(moderator, tmp_path):
    import cv2
    import numpy as np

    rng = np.random.default_rng(5)
    image = (rng.random((240, 320, 3)) * 255).astype(np.uint8)
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), image)
    upload = SimpleUploadedFile("press.html", path.read_bytes() + HTML)
    entry = do_register_reference(PersonFactory(), "", upload, moderator)
    assert entry.reference_file.name.endswith(".png")


def test_a_reference_that_is_only_html_is_refused(client, moderator):
    client.force_login(moderator)
    upload = SimpleUploadedFile("press.mp4", HTML, content_type="video/mp4")
    response = client.post(
        reverse("provenance:references"),
        {"person": PersonFactory().pk, "title": "", "file": upload},
    )
    assert response.status_code == 400
    assert not BankEntry.objects.exists()


def test_legacy_reference_stored_as_html_downloads_as_opaque_bytes(client, moderator, polyglot):
    """A file stored before sniffing, under its uploader's .html name, is never rendered."""
    person = PersonFactory()
    entry = do_register_reference(person, "", SimpleUploadedFile("press.mp4", polyglot), moderator)
    entry.reference_file.save("legacy-press.html", ContentFile(polyglot), save=True)
    client.force_login(moderator)
    media = client.get(reverse("provenance:reference_media", args=[entry.pk]))
    _assert_safe(media, "application/octet-stream", "bin", "attachment")


def test_clip_sent_as_html_is_stored_and_served_as_mp4(client, moderator, polyglot):
    client.force_login(moderator)
    upload = SimpleUploadedFile("press.html", polyglot, content_type="text/html")
    response = client.post(reverse("dashboard:upload"), {"file": upload, "reason": "deepfake"})
    assert response.status_code == 302
    clip = Clip.objects.get()
    assert clip.file.name.endswith(".mp4")
    media = client.get(reverse("dashboard:media", args=[clip.public_id]))
    _assert_safe(media, "video/mp4", "mp4", "inline")
    ranged = client.get(reverse("dashboard:media", args=[clip.public_id]), HTTP_RANGE="bytes=0-9")
    assert ranged.status_code == 206
    assert ranged["Content-Type"] == "video/mp4"
    assert ranged["X-Content-Type-Options"] == "nosniff"


def test_face_crop_is_served_as_jpeg_with_nosniff(polyglot):
    response = crop_response(FaceCrop(pk=7, jpeg=polyglot))
    _assert_safe(response, "image/jpeg", "jpg", "inline")


def _pack_with(clip, moderator, name: str, data: bytes) -> EvidencePack:
    pack = EvidencePack.objects.create(clip=clip, requested_by=moderator, state=PackState.DONE)
    pack.file.save(name, ContentFile(data), save=False)
    pack.finished_at = timezone.now()
    pack.save()
    return pack


def test_evidence_pack_downloads_are_attachments_with_nosniff(
    client, api_client_for, moderator, polyglot
):
    clip, _decision = decided_clip(moderator)
    pack = _pack_with(clip, moderator, "evidence.zip", b"PK\x05\x06" + b"\0" * 18 + HTML)
    client.force_login(moderator)
    desk = client.get(reverse("teamwork:pack_download", args=[pack.pk]))
    _assert_safe(desk, "application/zip", "zip", "attachment")
    api = api_client_for(moderator).get(f"/api/v1/evidence-packs/{pack.pk}/download/")
    _assert_safe(api, "application/zip", "zip", "attachment")
    # A pack file under any other name is opaque bytes, not a page.
    legacy = _pack_with(clip, moderator, "evidence.html", polyglot)
    _assert_safe(
        client.get(reverse("teamwork:pack_download", args=[legacy.pk])),
        "application/octet-stream",
        "bin",
        "attachment",
    )


def test_rendition_download_is_an_attachment_with_nosniff(api_client_for, moderator, polyglot):
    clip, decision = decided_clip(moderator, action="remove")
    rendition = DisclosedRendition(
        clip=clip, decision=decision, state=RenditionState.READY, finished_at=timezone.now()
    )
    rendition.file.save("rendition.mp4", ContentFile(polyglot), save=True)
    response = api_client_for(moderator).get(f"/api/v1/clips/{clip.public_id}/rendition/")
    _assert_safe(response, "video/mp4", "mp4", "attachment")
