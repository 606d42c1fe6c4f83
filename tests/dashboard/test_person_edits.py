"""Who may tag and untag the persons a clip depicts: the moderator holding the claim on an open
clip, or a senior (audited as an override); every edit leaves an audit row."""

import re

import pytest
from django.urls import reverse

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip
from tests.factories import PersonFactory, ScoredClipFactory, decided_clip

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
EDITS = ("clip.person_added", "clip.person_removed")


def url(name: str, clip: Clip, *args: object) -> str:
    return reverse(f"dashboard:{name}", args=[clip.public_id, *args])


def _edits(clip: Clip) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(clip=clip, action__in=EDITS).order_by("id"))


def test_a_moderator_cannot_edit_persons_of_a_clip_another_moderator_holds(
    client, moderator, moderator2
):
    ana = PersonFactory(name="Ana Example", protected=True)
    clip = ScoredClipFactory(persons=[ana])
    claim_clip(clip.pk, moderator2)
    client.force_login(moderator)

    untag = client.post(url("person_remove", clip, ana.pk), **JSON)
    tag = client.post(url("person_add", clip), {"name": "Bo Example"}, **JSON)

    assert (untag.status_code, untag.json()["error"]) == (409, "held_by_other")
    assert (tag.status_code, tag.json()["error"]) == (409, "held_by_other")
    assert list(clip.persons.all()) == [ana]
    assert _edits(clip) == []


def test_a_moderator_must_hold_the_claim_to_edit_persons(client, moderator):
    ana = PersonFactory(name="Ana Example", protected=True)
    clip = ScoredClipFactory(persons=[ana])  # awaiting review, nobody holds it
    client.force_login(moderator)

    untag = client.post(url("person_remove", clip, ana.pk), **JSON)
    tag = client.post(url("person_add", clip), {"name": "Bo Example"}, **JSON)

    assert (untag.status_code, untag.json()["error"]) == (409, "not_held")
    assert (tag.status_code, tag.json()["error"]) == (409, "not_held")
    assert list(clip.persons.all()) == [ana]
    # A refused tag leaves no Person row behind either.
    assert not ana.__class__.objects.filter(name="Bo Example").exists()


def test_a_decided_clip_is_corrected_by_a_senior_only_audited_as_an_override(
    client, moderator, senior
):
    ana = PersonFactory(name="Ana Example")
    clip = decided_clip("approve", moderator, persons=[ana])
    assert clip.status == ClipStatus.APPROVED
    client.force_login(moderator)

    untag = client.post(url("person_remove", clip, ana.pk), **JSON)
    tag = client.post(url("person_add", clip), {"name": "Bo Example"}, **JSON)

    assert (untag.status_code, untag.json()["error"]) == (409, "already_decided")
    assert (tag.status_code, tag.json()["error"]) == (409, "already_decided")
    assert list(clip.persons.all()) == [ana] and _edits(clip) == []

    client.force_login(senior)
    assert client.post(url("person_add", clip), {"name": "Bo Example"}).status_code == 302
    assert client.post(url("person_remove", clip, ana.pk)).status_code == 302

    assert [p.name for p in clip.persons.all()] == ["Bo Example"]
    added, removed = _edits(clip)
    for event, action, name in ((added, "added", "Bo Example"), (removed, "removed", ana.name)):
        assert event.action == f"clip.person_{action}" and event.actor == senior
        assert event.data["name"] == name
        assert event.data["status"] == ClipStatus.APPROVED
        assert event.data["override"] is True


def test_the_holder_tags_and_untags_each_edit_audited(client, moderator):
    clip = ScoredClipFactory(reports=0)
    client.force_login(moderator)
    client.post(url("start", clip))  # Start review claims it

    assert client.post(url("person_add", clip), {"name": "Bo Example"}).status_code == 302
    bo = clip.persons.get()
    assert client.post(url("person_remove", clip, bo.pk)).status_code == 302

    added, removed = _edits(clip)
    assert (added.action, added.actor, added.data["person"]) == (
        "clip.person_added",
        moderator,
        bo.pk,
    )
    assert (removed.action, removed.actor, removed.data["person"]) == (
        "clip.person_removed",
        moderator,
        bo.pk,
    )
    assert added.data["override"] is False and added.data["status"] == ClipStatus.IN_REVIEW


def test_the_review_page_offers_person_edits_only_to_who_may_make_them(
    client, moderator, moderator2, senior
):
    clip = ScoredClipFactory(persons=[PersonFactory(name="Ana Example")])
    client.force_login(moderator2)
    # Only looking: the tools are there for Start review to show, hidden until then.
    looking = client.get(url("clip", clip)).content.decode()
    assert re.search(r'class="inline-form person-picker" data-held hidden', looking)
    client.post(url("start", clip))
    holding = client.get(url("clip", clip)).content.decode()  # now holds it
    assert "Add person" in holding and "data-held hidden" not in holding.split('id="persons"')[1]
    client.force_login(moderator)
    page = client.get(url("clip", clip)).content.decode()
    assert "Ana Example" in page
    assert "Add person" not in page and "Untag" not in page
    client.force_login(senior)
    assert "Add person" in client.get(url("clip", clip)).content.decode()
