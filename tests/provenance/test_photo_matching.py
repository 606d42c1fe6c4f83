"""Photos in the hash banks: PDQ hashes a photo natively as one frame, so a still grabbed
from a banked fake video and reposted as a JPEG matches the video, a banked photo matches the
frames of a later video, and a photo matches a banked photo. Content Credentials are read
from images too."""

from pathlib import Path

import pytest
from django.core.files import File
from PIL import Image, ImageOps

from dashboard.constants import ClipKind, ClipStatus
from dashboard.models import Clip
from desk.ingest import Submission, ingest_upload
from provenance import services
from provenance.c2pa_io import UNTRUSTED, read_credentials, sign_file
from provenance.models import BankKind, CredentialState
from tests.factories import PersonFactory
from tests.photos import face_photo, still_from_video
from tests.provenance.conftest import decide, stored_clip
from tests.provenance.throwaway_ca import make_identity

pytestmark = pytest.mark.django_db


def ingest(path: Path) -> Clip:
    with path.open("rb") as fh:
        return ingest_upload(File(fh, name=path.name), Submission(), None).clip


def test_a_still_from_a_banked_video_posted_as_jpeg_matches_it(
    banked_entry, fake_original, tmp_path
):
    still = still_from_video(fake_original, tmp_path / "screenshot.jpg", index=40, quality=80)
    photo = ingest(still)
    assert photo.kind == ClipKind.PHOTO
    [match] = services.do_match_clip(photo.pk)
    assert match.entry == banked_entry
    assert match.query_share == 1.0 and match.best_distance <= 31
    assert match.matched_frames == 1


def test_a_resized_still_posted_as_png_matches_too(banked_entry, fake_original, tmp_path):
    still = still_from_video(fake_original, tmp_path / "grab.jpg", index=10)
    with Image.open(still) as picture:
        picture.resize((200, 150)).save(tmp_path / "grab.png")
    [match] = services.do_match_clip(ingest(tmp_path / "grab.png").pk)
    assert match.entry == banked_entry


def test_an_unrelated_photo_matches_nothing(banked_entry, unrelated_video, tmp_path):
    still = still_from_video(unrelated_video, tmp_path / "other.jpg", index=20)
    assert services.do_match_clip(ingest(still).pk) == []


def test_a_banked_photo_matches_a_later_video_and_a_repost(moderator, fake_original, tmp_path):
    photo = ingest(still_from_video(fake_original, tmp_path / "fake.jpg", index=30))
    Clip.objects.filter(pk=photo.pk).update(status=ClipStatus.AWAITING_REVIEW)
    entry = services.do_bank_decision(decide(photo, moderator).pk)
    assert entry is not None and entry.frame_count == 1

    video = stored_clip(fake_original)
    [match] = services.do_match_clip(video.pk)
    assert match.entry == entry and match.bank_share == 1.0

    repost = tmp_path / "repost.jpg"
    with Image.open(photo.file.path) as picture:
        picture.save(repost, quality=60)
    [again] = services.do_match_clip(ingest(repost).pk)
    assert again.entry == entry


def test_content_credentials_are_read_from_a_jpeg(tmp_path, settings):
    identity = make_identity("Acme Image Generator", "Acme AI")
    plain = tmp_path / "plain.jpg"
    Image.new("RGB", (64, 48), (200, 120, 40)).save(plain)
    signed = tmp_path / "signed.jpg"
    sign_file(
        plain,
        signed,
        cert_chain_pem=identity.chain_pem,
        private_key_pem=identity.key_pem,
        generator="Acme Gen",
    )
    creds = read_credentials(signed)
    assert creds is not None and creds.state == UNTRUSTED and creds.ai_generated
    clip = ingest(signed)
    record = services.do_read_credentials(clip.pk)
    assert record.state == CredentialState.UNTRUSTED and record.ai_generated


def test_a_photo_derived_from_an_authentic_reference_photo_is_shown_as_derived(moderator, tmp_path):
    # The authentic press photo, taken upright on a phone held sideways (EXIF orientation 6).
    reference = face_photo(tmp_path / "press.jpg", size=(480, 360), orientation=6)
    person = PersonFactory(name="Ada Example")
    with reference.open("rb") as fh:
        entry = services.do_register_reference(
            person, "Press event", File(fh, name="press.jpg"), moderator
        )
    assert entry.frame_count == 1
    # The fabrication: the upright picture with a patch painted over, re-saved without EXIF.
    with Image.open(reference) as picture:
        fake = ImageOps.exif_transpose(picture)
    fake.paste((250, 20, 20), (20, 20, 120, 100))
    fake.save(tmp_path / "fake.jpg", quality=75)
    photo = ingest(tmp_path / "fake.jpg")
    [match] = services.do_match_clip(photo.pk)
    assert match.entry == entry and match.entry.bank.kind == BankKind.REFERENCE
