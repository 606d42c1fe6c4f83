"""Every desk view refuses anonymous visitors (to the login page) and the wrong roles (403)."""

import hashlib
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from dashboard.constants import ClipStatus
from tests.factories import DetectorModelFactory, ScoredClipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clip():
    return ScoredClipFactory(model=DetectorModelFactory())


def desk_requests(clip):
    """(method, url) of every desk view, built for one clip."""
    crop = clip.runs.get().crops.first()
    person = clip.persons.create(name="Ana Example")
    pid = clip.public_id
    return [
        ("get", reverse("dashboard:queue")),
        ("get", reverse("dashboard:escalations")),
        ("post", reverse("dashboard:next")),
        ("get", reverse("dashboard:audit")),
        ("post", reverse("dashboard:blur")),
        ("get", reverse("dashboard:person", args=[person.pk])),
        ("get", reverse("dashboard:crop", args=[crop.pk])),
        ("get", reverse("dashboard:upload")),
        ("get", reverse("dashboard:clip", args=[pid])),
        ("get", reverse("dashboard:media", args=[pid])),
        ("get", reverse("dashboard:progress", args=[pid])),
        ("post", reverse("dashboard:heartbeat", args=[pid])),
        ("post", reverse("dashboard:release", args=[pid])),
        ("post", reverse("dashboard:decide", args=[pid])),
        ("post", reverse("dashboard:note", args=[pid])),
        ("post", reverse("dashboard:person_add", args=[pid])),
        ("post", reverse("dashboard:person_remove", args=[pid, person.pk])),
    ]


def test_anonymous_visitors_are_sent_to_login(client, clip):
    for method, url in desk_requests(clip):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(f"{reverse('login')}?next="), (method, url)


@pytest.mark.parametrize("role", ["reporter", "outsider"])
def test_reporters_and_users_without_a_role_see_nothing_of_the_desk(client, clip, role, request):
    client.force_login(request.getfixturevalue(role))
    for method, url in desk_requests(clip):
        response = getattr(client, method)(url)
        assert response.status_code == 403, (role, method, url)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW and clip.claimed_by is None


def test_moderators_cannot_open_the_seniors_pages(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("dashboard:escalations")).status_code == 403
    assert client.get(reverse("dashboard:audit")).status_code == 403
    assert client.post(reverse("dashboard:next"), {"escalated": "1"}).status_code == 403


@pytest.mark.parametrize("role", ["senior", "admin_user"])
def test_seniors_and_admins_open_escalations_and_audit(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("dashboard:escalations")).status_code == 200
    assert client.get(reverse("dashboard:audit")).status_code == 200


def test_moderator_nav_hides_senior_links(client, moderator, senior):
    client.force_login(moderator)
    page = client.get(reverse("dashboard:queue")).content.decode()
    assert reverse("dashboard:escalations") not in page
    client.force_login(senior)
    page = client.get(reverse("dashboard:queue")).content.decode()
    assert reverse("dashboard:escalations") in page


def test_media_is_not_served_under_a_public_url(client, moderator, clip):
    client.force_login(moderator)
    assert client.get(f"/media/{clip.file.name}").status_code == 404
    assert client.get(f"/media-not-served/{clip.file.name}").status_code == 404


def test_desk_pages_carry_no_inline_script_or_handler(client, senior, clip):
    """A Content-Security-Policy without 'unsafe-inline' must not break any desk page."""
    person = clip.persons.create(name="Bo Example")
    client.force_login(senior)
    pages = [
        reverse("dashboard:queue"),
        reverse("dashboard:escalations"),
        reverse("dashboard:audit"),
        reverse("dashboard:person", args=[person.pk]),
        reverse("dashboard:clip", args=[clip.public_id]),
        reverse("dashboard:upload"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], url
        assert re.findall(r"\son[a-z]+\s*=", html) == [], url
        assert re.findall(r"\sstyle\s*=", html) == [], url
        assert "javascript:" not in html, url


# Who reads what on the desk (dashboard.access): moderators every clip but escalated ones;
# seniors and admins every clip; reporters and users without a role no desk page at all.
DESK_ROLES = ["reporter", "outsider", "moderator", "senior", "admin_user"]
DESK_READERS = {
    ClipStatus.AWAITING_REVIEW: {"moderator", "senior", "admin_user"},
    ClipStatus.ESCALATED: {"senior", "admin_user"},
}
CLIP_PAGES = ["clip", "media", "progress", "crop"]
# What a reader gets: the progress fragment of a scored clip tells htmx to stop polling.
READ_STATUS = {"clip": 200, "media": 200, "progress": 286, "crop": 200}


def _clip_page(name, clip):
    if name == "crop":
        return reverse("dashboard:crop", args=[clip.runs.get().crops.first().pk])
    return reverse(f"dashboard:{name}", args=[clip.public_id])


@pytest.mark.parametrize("role", DESK_ROLES)
@pytest.mark.parametrize("status", list(DESK_READERS))
@pytest.mark.parametrize("page", CLIP_PAGES)
def test_clip_pages_media_and_crops_follow_the_visibility_rule(client, role, status, page, request):
    clip = ScoredClipFactory(
        model=DetectorModelFactory(), status=status, caption="The clip's own caption"
    )
    default_storage.save(clip.file.name, ContentFile(b"clip bytes"))
    client.force_login(request.getfixturevalue(role))
    response = client.get(_clip_page(page, clip))
    allowed = role in DESK_READERS[status]
    assert response.status_code == (READ_STATUS[page] if allowed else 403), (role, status, page)
    if not allowed:
        assert b"The clip's own caption" not in response.content


@pytest.mark.parametrize("role", DESK_ROLES)
def test_person_pages_list_only_the_clips_the_role_may_read(client, role, request):
    open_clip = ScoredClipFactory()
    escalated = ScoredClipFactory(status=ClipStatus.ESCALATED)
    person = open_clip.persons.create(name="Cy Example")
    escalated.persons.add(person)
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("dashboard:person", args=[person.pk]))
    if role in ("reporter", "outsider"):
        assert response.status_code == 403
        return
    html = response.content.decode()
    assert response.status_code == 200
    assert open_clip.short_id in html
    assert (escalated.short_id in html) == (role in DESK_READERS[ClipStatus.ESCALATED])


@pytest.mark.parametrize("role", DESK_ROLES)
@pytest.mark.parametrize("status", list(DESK_READERS))
def test_duplicate_uploads_from_the_desk_open_only_readable_clips(
    client, role, status, request, face_clip
):
    clip = ScoredClipFactory(status=status, caption="The clip's own caption")
    clip.sha256 = hashlib.sha256(face_clip.read_bytes()).hexdigest()
    clip.save()
    client.force_login(request.getfixturevalue(role))
    with face_clip.open("rb") as fh:
        response = client.post(reverse("dashboard:upload"), {"file": fh, "reason": "deepfake"})
    if role in ("reporter", "outsider"):
        assert response.status_code == 403
        assert not clip.reports.filter(reporter__isnull=False).exists()
    elif role in DESK_READERS[status]:
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard:clip", args=[clip.public_id])
    else:
        assert response.status_code == 200
        html = response.content.decode()
        assert "already known" in html and clip.short_id not in html
        assert "The clip's own caption" not in html
