"""Every desk view refuses anonymous visitors (to the login page) and the wrong roles (403)."""

import re

import pytest
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
