"""One visibility rule (dashboard.access): seniors and admins read every clip, moderators every
clip but escalated ones, a reporter only the clips it submitted — in the queue, the API, the
review page, media, crops, person pages and search alike."""

import pytest
from django.urls import reverse

from dashboard.access import can_read_clip, visible_clips
from dashboard.constants import ClipStatus
from desk.queue import QueueFilters, filter_clips
from tests.factories import ClipFactory, DetectorModelFactory, PersonFactory, ScoredClipFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/clips/"


@pytest.fixture
def escalated():
    clip = ScoredClipFactory(
        status=ClipStatus.ESCALATED, model=DetectorModelFactory(), caption="Escalated one"
    )
    clip.persons.add(PersonFactory(name="Escalated Person"))
    return clip


@pytest.fixture
def open_clip():
    return ScoredClipFactory(caption="Open one")


def test_the_rule(moderator, senior, admin_user, reporter, outsider, escalated, open_clip):
    own = ClipFactory(status=ClipStatus.ESCALATED, submitted_by=reporter)
    assert set(visible_clips(senior)) == {escalated, open_clip, own}
    assert set(visible_clips(admin_user)) == {escalated, open_clip, own}
    assert set(visible_clips(moderator)) == {open_clip}
    assert set(visible_clips(reporter)) == {own}
    assert not visible_clips(outsider).exists()
    assert not visible_clips(None).exists()
    for user in (senior, admin_user, moderator, reporter, outsider, None):
        for clip in (escalated, open_clip, own):
            assert can_read_clip(user, clip) == (clip in set(visible_clips(user))), (user, clip)


def test_api_list_hides_escalated_clips_from_moderators(api_client_for, moderator, escalated):
    client = api_client_for(moderator)
    assert client.get(API, {"status": "escalated"}).json()["results"] == []
    ids = [row["id"] for row in client.get(API).json()["results"]]
    assert str(escalated.public_id) not in ids


def test_api_list_shows_them_to_seniors(api_client_for, senior, escalated):
    results = api_client_for(senior).get(API, {"status": "escalated"}).json()["results"]
    assert [row["id"] for row in results] == [str(escalated.public_id)]


def test_api_detail_refuses_escalated_clips_to_moderators(api_client_for, moderator, escalated):
    response = api_client_for(moderator).get(f"{API}{escalated.public_id}/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "Escalated" not in response.content.decode()


def test_review_page_refuses_escalated_clips_to_moderators(client, moderator, escalated):
    client.force_login(moderator)
    response = client.get(reverse("dashboard:clip", args=[escalated.public_id]))
    assert response.status_code == 403
    assert b"Escalated one" not in response.content
    escalated.refresh_from_db()
    assert escalated.claimed_by is None


@pytest.mark.parametrize(
    "name", ["progress", "heartbeat", "release", "decide", "note", "person_add"]
)
def test_review_page_actions_refuse_escalated_clips_to_moderators(
    client, moderator, escalated, name
):
    client.force_login(moderator)
    url = reverse(f"dashboard:{name}", args=[escalated.public_id])
    method = client.get if name == "progress" else client.post
    # An invalid form would render the review page with the clip: the rule answers first.
    response = method(url, {"action": "remove"})
    assert response.status_code == 403, (name, response.status_code)
    assert b"Escalated one" not in response.content


def test_media_and_crops_of_escalated_clips_are_refused_to_moderators(
    client, moderator, senior, escalated
):
    crop = escalated.runs.get().crops.first()
    client.force_login(moderator)
    assert client.get(reverse("dashboard:media", args=[escalated.public_id])).status_code == 403
    assert client.get(reverse("dashboard:crop", args=[crop.pk])).status_code == 403
    client.force_login(senior)
    assert client.get(reverse("dashboard:crop", args=[crop.pk])).status_code == 200


def test_person_page_lists_only_visible_clips(client, moderator, senior, escalated, open_clip):
    person = escalated.persons.get()
    open_clip.persons.add(person)
    url = reverse("dashboard:person", args=[person.pk])
    client.force_login(moderator)
    html = client.get(url).content.decode()
    assert open_clip.short_id in html and escalated.short_id not in html
    client.force_login(senior)
    html = client.get(url).content.decode()
    assert open_clip.short_id in html and escalated.short_id in html


def test_search_and_label_filters_find_no_escalated_clip_for_moderators(moderator, escalated):
    for filters in (
        QueueFilters(q="Escalated"),
        QueueFilters(q=escalated.short_id),
        QueueFilters(person="Escalated Person"),
        QueueFilters(status=ClipStatus.ESCALATED),
    ):
        assert not filter_clips(filters, moderator).exists(), filters


def test_a_reporter_reads_only_its_own_clips(api_client_for, reporter, open_clip):
    own = ClipFactory(status=ClipStatus.AWAITING_REVIEW, submitted_by=reporter)
    client = api_client_for(reporter)
    assert client.get(f"{API}{own.public_id}/").status_code == 200
    assert client.get(f"{API}{open_clip.public_id}/").status_code == 403
