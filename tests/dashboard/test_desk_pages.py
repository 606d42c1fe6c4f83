"""The per-person page and the audit log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.claims import claim_clip
from dashboard.decisions import DecisionRequest, add_note, apply_decision
from dashboard.models import AuditEvent
from tests.factories import PersonFactory, ScoredClipFactory

pytestmark = pytest.mark.django_db


def test_person_page_lists_every_clip_with_status_and_decisions(client, moderator):
    ana = PersonFactory(name="Ana Example")
    decided = ScoredClipFactory(persons=(ana,))
    waiting = ScoredClipFactory(persons=(ana,))
    elsewhere = ScoredClipFactory()
    claim_clip(decided.pk, moderator)
    apply_decision(decided.pk, moderator, DecisionRequest("label", ["face-swap"]))
    client.force_login(moderator)
    page = client.get(reverse("dashboard:person", args=[ana.pk])).content.decode()
    assert decided.short_id in page and waiting.short_id in page
    assert elsewhere.short_id not in page
    assert "Labelled" in page and "Awaiting review" in page
    assert "Label</strong> by moderator" in page and "Face swap" in page


def test_person_page_queries_do_not_grow_with_clips(
    client, moderator, django_assert_max_num_queries
):
    ana = PersonFactory()
    for _ in range(15):
        clip = ScoredClipFactory(persons=(ana,))
        claim_clip(clip.pk, moderator)
        apply_decision(clip.pk, moderator, DecisionRequest("label", ["face-swap"]))
    client.force_login(moderator)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("dashboard:person", args=[ana.pk])).status_code == 200


def test_audit_log_filters_by_clip_user_action_and_date(client, senior, moderator, moderator2):
    one = ScoredClipFactory()
    two = ScoredClipFactory()
    claim_clip(one.pk, moderator)
    claim_clip(two.pk, moderator2)
    add_note(one.pk, moderator, "check the ears")
    old = AuditEvent.objects.create(
        action="clip.note", created_at=timezone.now() - timedelta(days=9)
    )
    client.force_login(senior)
    audit = reverse("dashboard:audit")

    def actions(**params):
        response = client.get(audit, params)
        assert response.status_code == 200
        return [(e.clip_id, e.actor_id, e.action) for e in response.context["page"]]

    assert (one.pk, moderator.pk, "clip.note") in actions()
    assert {c for c, _, _ in actions(clip=one.short_id)} == {one.pk}
    assert {u for _, u, _ in actions(user="moderator2")} == {moderator2.pk}
    assert {a for _, _, a in actions(action="claim.")} == {"claim.claimed"}
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert (None, None, "clip.note") not in actions(date_from=week_ago)
    assert [(c, u, a) for c, u, a in actions(date_to=week_ago)] == [(None, None, old.action)]
    assert "check the ears" in client.get(audit).content.decode()


def test_audit_log_is_for_seniors(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("dashboard:audit")).status_code == 403
