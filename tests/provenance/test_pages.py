"""The desk and the API show a clip's provenance matches; moderators mark one wrong;
authentic references are registered and shown as the source a clip was derived from."""

import cv2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip
from detection.frames import sample_frames
from provenance import services
from provenance.models import BankEntry, BankKind, BankMatch
from tests.factories import PersonFactory
from tests.provenance.conftest import stored_clip


@pytest.fixture
def matched_clip(banked_entry, fake_reupload):
    clip = stored_clip(fake_reupload)
    services.do_match_clip(clip.pk)
    return clip


def test_review_page_shows_the_known_fake_match(client, moderator, matched_clip, banked_entry):
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[matched_clip.public_id])).content.decode()
    # At the top of the evidence, with the original clip linked and label names, not slugs.
    assert page.index('id="known-fake-title"') < page.index('id="signals-title"')
    assert reverse("dashboard:clip", args=[banked_entry.clip.public_id]) in page
    assert "Animated still photo" in page and ">animated-still<" not in page
    assert "Matches known fake #" in page
    assert "% of frames matched" in page


def test_review_page_without_match_shows_no_panel(client, moderator, unrelated_video):
    clip = stored_clip(unrelated_video)
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "provenance-title" not in page


def test_moderator_marks_a_match_wrong_from_the_page(client, moderator, matched_clip):
    match = BankMatch.objects.get(clip=matched_clip)
    client.force_login(moderator)
    response = client.post(reverse("provenance:mark_wrong", args=[match.pk]))
    assert response.url == reverse("dashboard:clip", args=[matched_clip.public_id])
    match.refresh_from_db()
    assert match.marked_wrong_by == moderator
    page = client.get(response.url).content.decode()
    assert "Matches known fake" not in page


def test_outsider_cannot_mark_a_match_wrong(client, outsider, matched_clip):
    match = BankMatch.objects.get(clip=matched_clip)
    client.force_login(outsider)
    response = client.post(reverse("provenance:mark_wrong", args=[match.pk]))
    assert response.status_code in (302, 403)
    match.refresh_from_db()
    assert match.marked_wrong_at is None


def test_a_moderator_cannot_mark_a_match_wrong_on_a_clip_the_rule_hides(
    client, moderator, senior, matched_clip
):
    """An escalated clip is for seniors (dashboard.access): a moderator who knows a match id
    gets a 403 and changes nothing; a senior may."""
    Clip.objects.filter(pk=matched_clip.pk).update(status=ClipStatus.ESCALATED)
    match = BankMatch.objects.get(clip=matched_clip)
    client.force_login(moderator)
    response = client.post(reverse("provenance:mark_wrong", args=[match.pk]))
    assert response.status_code == 403
    match.refresh_from_db()
    assert match.marked_wrong_at is None
    assert not AuditEvent.objects.filter(action="provenance.match_marked_wrong").exists()
    client.force_login(senior)
    client.post(reverse("provenance:mark_wrong", args=[match.pk]))
    match.refresh_from_db()
    assert match.marked_wrong_by == senior


def test_api_clip_detail_lists_the_match(api_client_for, moderator, matched_clip, banked_entry):
    response = api_client_for(moderator).get(f"/api/v1/clips/{matched_clip.public_id}/")
    assert response.status_code == 200
    [match] = response.json()["provenance_matches"]
    assert match["entry"] == banked_entry.pk and match["kind"] == "known_fake"
    assert match["labels"] == ["animated-still"] and match["decision"] == "label"
    assert match["query_share"] >= 0.9 and match["best_distance"] <= 31


@pytest.fixture
def press_still(fake_original, tmp_path):
    """An authentic still: the first frame of what was later animated into the fake."""
    frame = next(iter(sample_frames(fake_original))).image
    path = tmp_path / "press.png"
    cv2.imwrite(str(path), frame)
    return path


def test_registered_reference_is_shown_as_the_authentic_source(
    client, moderator, press_still, fake_reupload
):
    person = PersonFactory(name="Ada Example")
    client.force_login(moderator)
    upload = SimpleUploadedFile("press.png", press_still.read_bytes(), content_type="image/png")
    response = client.post(
        reverse("provenance:references"),
        {"person": person.pk, "title": "Press event 2026", "file": upload},
    )
    assert response.status_code == 302
    entry = BankEntry.objects.get(bank__kind=BankKind.REFERENCE)
    assert entry.person == person and entry.frame_count == 1
    assert AuditEvent.objects.filter(action="provenance.reference_registered").exists()

    clip = stored_clip(fake_reupload, priority=0.0)
    [match] = services.do_match_clip(clip.pk)
    assert match.entry == entry
    clip.refresh_from_db()
    assert clip.priority == 0.0  # an authentic source is evidence, not a known fake
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "Derived from authentic source" in page and "Press event 2026" in page
    assert f'data-seek="{match.clip_time_s:.3f}"' in page  # the clip's frame, beside it
    # The authentic still is media too: blurred with the rest until revealed.
    reference_url = reverse("provenance:reference_media", args=[entry.pk])
    assert f'<img class="sensitive" src="{reference_url}"' in page
    media = client.get(reverse("provenance:reference_media", args=[entry.pk]))
    assert media.status_code == 200
    assert b"".join(media.streaming_content).startswith(b"\x89PNG")


def test_flat_reference_is_refused(client, moderator, tmp_path):
    person = PersonFactory()
    client.force_login(moderator)
    path = tmp_path / "grey.png"
    cv2.imwrite(str(path), (cv2.UMat(64, 64, cv2.CV_8UC3, (128, 128, 128))).get())
    upload = SimpleUploadedFile("grey.png", path.read_bytes(), content_type="image/png")
    response = client.post(
        reverse("provenance:references"), {"person": person.pk, "title": "", "file": upload}
    )
    assert response.status_code == 400
    assert BankEntry.objects.count() == 0


def test_reporter_cannot_register_references(client, reporter):
    client.force_login(reporter)
    assert client.get(reverse("provenance:references")).status_code in (302, 403)


def test_clip_as_close_to_a_reference_as_to_a_fake_goes_to_a_person(
    client, moderator, press_still, banked_entry, fake_original
):
    """By hashes alone, a clip as close to an authentic reference as to a known fake could be
    the authentic original: auto-apply holds back and the desk says so. (An animated still
    is that close to its source still, so here the fake itself is such a clip.)"""
    banked_entry.bank.auto_apply = True
    banked_entry.bank.save()
    person = PersonFactory()
    with press_still.open("rb") as handle:
        services.do_register_reference(
            person, "Press event", SimpleUploadedFile("press.png", handle.read()), moderator
        )
    still_clip = stored_clip(fake_original)
    matches = services.do_match_clip(still_clip.pk)
    assert {m.entry.bank.kind for m in matches} == {BankKind.KNOWN_FAKE, BankKind.REFERENCE}
    assert services.closer_to_reference(matches)
    still_clip.refresh_from_db()
    assert still_clip.status == "awaiting_review"
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[still_clip.public_id])).content.decode()
    assert "it may be the authentic original" in page


def test_fake_matching_no_reference_is_auto_applied(banked_entry, fake_reupload):
    banked_entry.bank.auto_apply = True
    banked_entry.bank.save()
    clip = stored_clip(fake_reupload)
    matches = services.do_match_clip(clip.pk)
    assert not services.closer_to_reference(matches)
    clip.refresh_from_db()
    assert clip.status == "labeled"
