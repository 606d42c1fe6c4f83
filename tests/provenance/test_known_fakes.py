"""Known fakes on the desk: a match to a removed fake is in the high band; queue rows carry
badges (known fake with its banked decision, authentic source, protected person, two-person
pending) at a fixed query count; the review page shows the match at the top of the evidence,
offers the original's people for tagging and applies the banked decision through the decision
service; approving a known fake asks for a reason and, by the seeded policy, a second moderator.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionError, DecisionRequest, apply_decision
from dashboard.models import AuditEvent, Clip, Decision, Person
from dashboard.priority import refresh_priority
from desk.queue import priority_band
from provenance.models import BankEntry, BankKind, BankMatch, EntrySource
from provenance.priority import removed_fake_points
from provenance.services import default_bank, do_mark_match_wrong
from teamwork.confirmations import confirm_decision
from teamwork.models import PendingDecision, TwoPersonPolicy
from tests.factories import PersonFactory, ScoredClipFactory, decided_clip

pytestmark = pytest.mark.django_db
QUEUE = reverse("dashboard:queue")


def banked_fake(action="remove", labels=(), persons=("Jane Roe",), reason="Impersonation policy"):
    """A decided clip banked as a known fake (hashes are not needed: matches are written here)."""
    original = decided_clip(action, labels=labels, reason=reason, reports=0, score=None)
    for name in persons:
        original.persons.add(Person.objects.get_or_create(name=name)[0])
    decision = original.decisions.get()
    return BankEntry.objects.create(
        bank=default_bank(),
        source=EntrySource.DECISION,
        clip=original,
        decision=decision,
        decision_action=action,
        labels=sorted(labels),
        persons=sorted(persons),
        frame_hashes=b"",
    )


def reference_entry(person=None):
    return BankEntry.objects.create(
        bank=default_bank(BankKind.REFERENCE),
        source=EntrySource.REFERENCE,
        person=person,
        title="Press conference",
        frame_hashes=b"",
    )


def match(clip, entry, share=0.95):
    row = BankMatch.objects.create(
        clip=clip,
        entry=entry,
        query_share=share,
        bank_share=share,
        best_distance=12,
        matched_frames=10,
        clip_frame=25,
    )
    refresh_priority(clip)
    clip.refresh_from_db()
    return row


# --- priority -----------------------------------------------------------------------------


def test_match_to_a_removed_fake_is_in_the_high_band_even_when_only_strong():
    clip = ScoredClipFactory(score=None, reports=1)
    match(clip, banked_fake("remove"))
    assert removed_fake_points(clip) == 100.0
    assert priority_band(clip.priority) == "high"
    # As close to an authentic reference, the match is only *strong* (60): still high.
    match(clip, reference_entry())
    assert clip.priority == 8.0 + 60.0 + 100.0
    assert priority_band(clip.priority) == "high"


def test_a_labelled_fake_weighs_through_the_level_only_and_a_wrong_match_not_at_all(moderator):
    clip = ScoredClipFactory(score=None, reports=0)
    row = match(clip, banked_fake("label", labels=["face-swap"]))
    assert removed_fake_points(clip) == 0.0 and clip.priority == 100.0  # conclusive
    removed = match(ScoredClipFactory(score=None, reports=0), banked_fake("remove"))
    do_mark_match_wrong(removed.pk, moderator)
    removed.clip.refresh_from_db()
    assert removed.clip.priority == 0.0
    assert row.clip.priority == 100.0


# --- queue badges -------------------------------------------------------------------------


def _queue(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, {"status": ""})
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_queue_rows_show_badges_at_a_fixed_query_count(client, moderator):
    client.force_login(moderator)
    for _ in range(3):
        ScoredClipFactory()
    plain_html, plain_queries = _queue(client)
    assert 'class="badges"' not in plain_html

    removed = ScoredClipFactory(caption="removed fake again")
    match(removed, banked_fake("remove"))
    labelled = ScoredClipFactory(caption="labelled fake again")
    match(labelled, banked_fake("label", labels=["face-swap", "lip-sync"]))
    authentic = ScoredClipFactory(caption="from the press conference")
    match(authentic, reference_entry())
    protected = ScoredClipFactory(caption="a protected person")
    protected.persons.add(PersonFactory(protected=True))
    html, queries = _queue(client)
    assert "Known fake (removed)" in html
    assert "Known fake (labelled: Face swap, Lip-sync)" in html  # names, not slugs
    assert 'data-badge="authentic-source"' in html
    assert 'data-badge="protected-person"' in html
    # The badges ride in the rows' query; label names cost one query, only when labelled.
    assert queries == plain_queries + 1

    pending = ScoredClipFactory(caption="waiting for a second person")
    pending.persons.add(PersonFactory(protected=True))
    claim_clip(pending.pk, moderator)
    apply_decision(pending.pk, moderator, DecisionRequest(action="remove", reason="x"))
    html = client.get(QUEUE, {"status": ClipStatus.AWAITING_CONFIRM}).content.decode()
    assert 'data-badge="two-person"' in html and "Two-person pending" in html


def test_queue_badge_query_count_does_not_grow_with_the_page(
    client, moderator, django_assert_max_num_queries
):
    client.force_login(moderator)
    entry = banked_fake("label", labels=["face-swap"])
    for _ in range(5):
        match(ScoredClipFactory(), entry)
    _html, few = _queue(client)
    for _ in range(20):
        match(ScoredClipFactory(), entry)
    _html, many = _queue(client)
    assert few == many
    # The queue's budget (tests/dashboard/test_desk_queue.py) plus the label names.
    with django_assert_max_num_queries(16):
        client.get(QUEUE, {"per_page": 50})


# --- the review page ----------------------------------------------------------------------


def review(client, clip):
    # Looking claims nothing; the panel's tagging key is offered to the moderator who holds it.
    client.post(reverse("dashboard:start", args=[clip.public_id]))
    response = client.get(reverse("dashboard:clip", args=[clip.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_known_fake_panel_is_first_with_the_original_its_decision_and_people(client, moderator):
    entry = banked_fake("label", labels=["face-swap"], persons=("Jane Roe", "John Doe"))
    clip = ScoredClipFactory()
    match(clip, entry)
    client.force_login(moderator)
    html = review(client, clip)
    panel = html[html.index('class="known-fake-panel"') :]
    assert html.index('id="known-fake-title"') < html.index('id="signals-title"')
    original_url = reverse("dashboard:clip", args=[entry.clip.public_id])
    assert f'href="{original_url}" data-original-clip' in panel
    assert f'href="{original_url}#decisions-title"' in panel  # its decision
    assert "Face swap" in panel and ">face-swap<" not in panel
    assert "Jane Roe, John Doe" in panel
    assert 'aria-keyshortcuts="t"' in panel and 'aria-keyshortcuts="k"' in panel
    assert "entry #" not in panel


def test_tagging_the_originals_people_in_one_post(client, moderator):
    entry = banked_fake(persons=("Jane Roe", "John Doe"))
    clip = ScoredClipFactory()
    row = match(clip, entry)
    claim_clip(clip.pk, moderator)
    client.force_login(moderator)
    url = reverse("provenance:tag_banked_persons", args=[row.pk])
    assert client.post(url).status_code == 302
    assert sorted(clip.persons.values_list("name", flat=True)) == ["Jane Roe", "John Doe"]
    assert AuditEvent.objects.filter(clip=clip, action="clip.person_added").count() == 2
    client.post(url)  # again: nobody new
    assert AuditEvent.objects.filter(clip=clip, action="clip.person_added").count() == 2
    assert "Tag Jane Roe" not in review(client, clip)


def test_apply_banked_decision_goes_through_the_decision_service(client, moderator):
    entry = banked_fake("label", labels=["face-swap"])
    clip = ScoredClipFactory(reports=0)
    match(clip, entry)
    client.force_login(moderator)
    html = review(client, clip)  # opening claims it
    dialog = html[html.index('id="dlg-banked"') :]
    assert 'name="action" value="label"' in dialog
    assert 'name="labels" value="face-swap"' in dialog
    clip.refresh_from_db()
    response = client.post(
        reverse("dashboard:decide", args=[clip.public_id]),
        {
            "action": "label",
            "labels": ["face-swap"],
            "reason": entry.decision.reason,
            "note": "Applied the banked decision",
            "expected_version": clip.version,
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    decision = Decision.objects.get(pk=response.json()["decision"])
    assert decision.clip == clip and decision.moderator == moderator
    assert list(decision.labels.values_list("slug", flat=True)) == ["face-swap"]
    assert decision.evidence["bank_matches"][0]["entry"] == entry.pk


def test_applying_a_banked_removal_is_held_by_the_two_person_rule(client, moderator):
    clip = ScoredClipFactory(reports=0)
    clip.persons.add(PersonFactory(protected=True))
    match(clip, banked_fake("remove"))
    claim_clip(clip.pk, moderator)
    held = apply_decision(
        clip.pk, moderator, DecisionRequest(action="remove", reason="Impersonation policy")
    )
    assert isinstance(held, PendingDecision)


# --- approving a known fake ---------------------------------------------------------------


def test_the_known_fake_policy_is_seeded():
    policy = TwoPersonPolicy.objects.get(name="Known fake: approve")
    assert policy.active and policy.known_fake and policy.actions == ["approve"]
    assert not policy.protected_person


def test_approving_a_known_fake_needs_a_reason_and_a_second_moderator(moderator, moderator2):
    clip = ScoredClipFactory(reports=0)
    match(clip, banked_fake("remove"))
    claim_clip(clip.pk, moderator)
    with pytest.raises(DecisionError) as refused:
        apply_decision(clip.pk, moderator, DecisionRequest(action="approve"))
    assert refused.value.code == "reason_required_known_fake"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.IN_REVIEW and not clip.decisions.exists()
    held = apply_decision(
        clip.pk, moderator, DecisionRequest(action="approve", reason="Satire, clearly marked")
    )
    assert isinstance(held, PendingDecision)
    assert held.covered_by == ["Known fake: approve"]
    confirm_decision(held.pk, moderator2)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.APPROVED
    assert clip.decisions.get().reason == "Satire, clearly marked"


def test_approving_a_clip_without_a_known_fake_match_stays_two_keys(moderator):
    clip = ScoredClipFactory(reports=0)
    match(clip, reference_entry())  # an authentic source is not a known fake
    claim_clip(clip.pk, moderator)
    decision = apply_decision(clip.pk, moderator, DecisionRequest(action="approve"))
    assert isinstance(decision, Decision)
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.APPROVED


def test_approve_dialog_asks_for_the_reason_only_on_a_known_fake(client, moderator):
    client.force_login(moderator)
    plain = ScoredClipFactory()
    assert 'id="approve-reason"' not in review(client, plain)
    fake = ScoredClipFactory()
    match(fake, banked_fake("remove"))
    html = review(client, fake)
    dialog = html[html.index('id="dlg-approve"') :]
    assert 'id="approve-reason" name="reason" maxlength="500" required autofocus' in dialog
    assert "second moderator" in dialog
