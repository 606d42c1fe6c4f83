"""A registered portrait, animated, cropped to the face and padded to 16:9, is found on the
desk as derived from it, with a change mask over the reference served like other media."""

import cv2
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from detection.faces import FaceBox
from provenance import services
from provenance.models import BankKind, BankMatch
from provenance.regions import largest_face
from tests.factories import PersonFactory
from tests.provenance.animate import animate, portrait
from tests.provenance.conftest import stored_clip


def register(name: str, moderator, title: str):
    ok, data = cv2.imencode(".png", portrait(name))
    assert ok
    upload = ContentFile(data.tobytes(), name=f"{name}.png")
    return services.do_register_reference(PersonFactory(), title, upload, moderator)


def animation(tmp_path, name: str, how: str):
    image = portrait(name)
    box: FaceBox | None = largest_face(image)
    assert box is not None
    return animate(image, box, tmp_path / f"{name}-{how.replace('+', '_')}.mp4", how=how)


@pytest.fixture
def matched(db, moderator, tmp_path):
    entry = register("astronaut", moderator, "Mission portrait")
    register("camera", moderator, "Cameraman")
    clip = stored_clip(animation(tmp_path, "astronaut", "zoom+square+pad"))
    return entry, clip, services.do_match_clip(clip.pk)


def test_the_animation_is_found_derived_from_its_portrait_only(matched):
    entry, _clip, stored = matched
    assert [m.entry for m in stored] == [entry]
    [match] = stored
    assert match.entry.bank.kind == BankKind.REFERENCE
    assert "local features" in match.transform
    # Cropped to the face: the pixel hashes alone are far from the reference.
    assert match.best_distance > 31
    assert match.change_overlay and 0 < match.change_share < 0.3
    assert match.change_face_share >= 0.6


def test_a_clip_of_the_other_portrait_is_not_matched_to_this_one(db, moderator, tmp_path):
    register("astronaut", moderator, "Mission portrait")
    clip = stored_clip(animation(tmp_path, "camera", "square+pad"))
    assert services.do_match_clip(clip.pk) == []


def test_the_review_page_shows_what_changed_beside_the_reference(client, moderator, matched):
    entry, clip, [match] = matched
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert reverse("provenance:change_overlay", args=[match.pk]) in page
    assert "The faces differ; the rest of the picture is the reference" in page
    assert "Mission portrait" in page and moderator.get_username() in page
    assert 'class="sensitive"' in page
    response = client.get(reverse("provenance:change_overlay", args=[match.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_the_change_mask_is_not_served_to_an_outsider(client, outsider, matched):
    _entry, _clip, [match] = matched
    client.force_login(outsider)
    response = client.get(reverse("provenance:change_overlay", args=[match.pk]))
    assert response.status_code in (302, 403, 404)
    assert not BankMatch.objects.filter(pk=match.pk, change_overlay="").exists()


def test_the_change_mask_sentence_reads_in_korean(client, moderator, matched):
    _entry, clip, [match] = matched
    client.force_login(moderator)
    url = reverse("dashboard:clip", args=[clip.public_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9").content.decode()
    assert "얼굴 부분만 다르고" in page and "Mission portrait" in page
    assert "The faces differ" not in page
    assert "클립 프레임을 원본 참조에 맞춰 정렬한 뒤" in page
