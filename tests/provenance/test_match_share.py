"""A photo or still reference matched by a video says how much of the clip really paired with
it: "6 of 38 sampled frames (16 %) match this photo", never "100 % of frames matched" (the
photo's own side of the match is always fully covered: it is one frame)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from provenance import services
from provenance.models import BankMatch, ClipFingerprint
from tests.factories import PersonFactory
from tests.provenance.conftest import stored_clip
from tests.provenance.test_reference_import import png_of_first_frame

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo_match(moderator, fake_original, fake_reupload) -> BankMatch:
    clip = stored_clip(fake_reupload)
    services.fingerprint(clip)
    upload = SimpleUploadedFile("press.png", png_of_first_frame(fake_original))
    entry = services.do_register_reference(
        PersonFactory(name="Ada Example"), "Press event 2026", upload, moderator
    )
    [match] = services.do_match_desk_against_reference(entry.pk)
    return match


def test_a_photo_match_shows_the_clips_share_not_the_photos(client, moderator, photo_match):
    # What a real animation of a photo looks like: 6 of the clip's 38 sampled frames paired
    # with the photo, which itself (one frame) is fully covered.
    ClipFingerprint.objects.filter(clip=photo_match.clip).update(frame_count=38)
    BankMatch.objects.filter(pk=photo_match.pk).update(
        matched_frames=6, query_share=0.16, bank_share=1.0
    )
    client.force_login(moderator)
    url = reverse("dashboard:clip", args=[photo_match.clip.public_id])
    page = client.get(url).content.decode()
    assert "6 of 38 sampled frames (16 %) match this photo" in page
    assert "100 % of frames matched" not in page

    detail = client.get(f"/api/v1/clips/{photo_match.clip.public_id}/")
    [match] = detail.json()["provenance_matches"]
    assert match["clip_sampled_frames"] == 38 and match["matched_frames"] == 6
    assert match["clip_share"] == pytest.approx(6 / 38)
    assert match["bank_share"] == 1.0  # kept: what the photo side says, not the headline


def test_a_real_photo_match_counts_the_clips_sampled_frames(client, moderator, photo_match):
    photo_match.refresh_from_db()
    total = photo_match.clip.fingerprint.frame_count
    assert 0 < photo_match.matched_frames <= total
    assert photo_match.is_still_reference
    percent = round(100 * photo_match.matched_frames / total)
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[photo_match.clip.public_id])).content.decode()
    assert (
        f"{photo_match.matched_frames} of {total} sampled frames ({percent} %) match this photo"
        in page
    )
