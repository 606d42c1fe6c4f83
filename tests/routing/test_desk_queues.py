"""The desk's side of routed queues: the switcher with counts, `?queue=`, Next clip from the
shown queue, a senior's move from the clip page, and SLA bands that differ per queue."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.models import AuditEvent, Clip, Queue
from desk.queue import QueueFilters, queue_page
from teamwork.models import SlaBand
from teamwork.sla import bands_by_queue, bands_of, record_sla_breaches, with_deadline
from tests.factories import ScoredClipFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("dashboard:queue")


def q(slug):
    return Queue.objects.get(slug=slug)


@pytest.fixture
def routed():
    return {
        "reach": ScoredClipFactory(queue=q("high-reach"), priority=80, caption="viral one"),
        "reach2": ScoredClipFactory(queue=q("high-reach"), priority=70, caption="viral two"),
        "general": ScoredClipFactory(queue=q("general"), priority=10, caption="plain one"),
    }


def test_switcher_lists_every_queue_with_its_count(client, moderator, routed):
    client.force_login(moderator)
    q("photos").members.add(type(moderator).objects.create(username="photographer"))
    page = client.get(QUEUE)
    tabs = {tab.slug: tab for tab in page.context["queue_tabs"]}
    assert [t.slug for t in page.context["queue_tabs"]] == [
        "protected-persons",
        "high-reach",
        "known-fakes",
        "photos",
        "general",
    ]
    assert (tabs["high-reach"].count, tabs["general"].count, tabs["photos"].count) == (2, 1, 0)
    assert not tabs["photos"].worked and tabs["general"].worked
    html = page.content.decode()
    assert 'href="?queue=high-reach"' in html and "High reach" in html


def test_queue_filter_narrows_the_listing(moderator, routed):
    rows = queue_page(QueueFilters(queue="high-reach"), moderator).rows
    assert [r.clip.pk for r in rows] == [routed["reach"].pk, routed["reach2"].pk]
    unrouted = ScoredClipFactory(priority=1)
    rows = queue_page(QueueFilters(queue="general"), moderator).rows
    assert [r.clip.pk for r in rows] == [routed["general"].pk, unrouted.pk]


def test_next_clip_button_takes_from_the_queue_shown(client, moderator, routed):
    client.force_login(moderator)
    page = client.get(QUEUE, {"queue": "general"}).content.decode()
    assert '<input type="hidden" name="queue" value="general">' in page
    response = client.post(reverse("dashboard:next"), {"queue": "general"})
    assert response.url == reverse("dashboard:clip", args=[routed["general"].public_id])


def test_next_clip_button_refuses_a_queue_not_worked(client, moderator, moderator2, routed):
    q("high-reach").members.add(moderator2)
    client.force_login(moderator)
    response = client.post(reverse("dashboard:next"), {"queue": "high-reach"}, follow=True)
    assert "You do not work the queue" in response.content.decode()
    assert not Clip.objects.filter(claimed_by=moderator).exists()


def test_senior_moves_from_the_clip_page_audited(client, senior, moderator, routed):
    clip = routed["reach"]
    url = reverse("routing:move", args=[clip.public_id])
    client.force_login(moderator)
    assert client.post(url, {"queue": "general"}).status_code == 403
    client.force_login(senior)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert 'action="' + url + '"' in page
    client.post(url, {"queue": "general", "note": "local story"})
    assert Clip.objects.get(pk=clip.pk).queue.slug == "general"
    event = AuditEvent.objects.get(clip=clip, action="queue.moved")
    assert (event.actor, event.data["note"]) == (senior, "local story")


def test_sla_bands_can_differ_per_queue(moderator, routed):
    SlaBand.objects.create(name="normal", min_priority=0, hours=48)
    SlaBand.objects.create(name="viral", min_priority=0, hours=2, queue=q("high-reach"))
    bands = bands_by_queue()
    assert bands_of(bands, q("high-reach").pk)[0].hours == 2
    assert bands_of(bands, q("general").pk)[0].hours == 48
    deadlines = dict(with_deadline(Clip.objects.all()).values_list("pk", "sla_band"))
    assert deadlines[routed["reach"].pk] == "viral"
    assert deadlines[routed["general"].pk] == "normal"
    # The breach sweep reads the same per-queue deadline: three hours in, only viral is late.
    assert record_sla_breaches(now=timezone.now() + timedelta(hours=3)) == 2
    # The queue rows show the deadline of their queue's band.
    rows = {r.clip.pk: r for r in queue_page(QueueFilters(), moderator).rows}
    reach = rows[routed["reach"].pk]
    assert reach.sla_deadline == reach.clip.created_at + timedelta(hours=2)


def test_review_page_uses_the_queues_bands(client, moderator, routed):
    SlaBand.objects.create(name="viral", min_priority=0, hours=2, queue=q("high-reach"))
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[routed["reach"].public_id]))
    first = page.context["first_reported_at"]
    assert page.context["sla_deadline"] == first + timedelta(hours=2)


def test_switcher_in_korean_translates_seeded_names_not_renamed_ones(client, moderator):
    Queue.objects.filter(slug="photos").update(name="Bildmaterial")
    client.force_login(moderator)
    html = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "보호 대상 인물" in html and "모든 대기열" in html
    assert "Protected persons" not in html
    assert "Bildmaterial" in html  # an admin's own name is shown as typed
