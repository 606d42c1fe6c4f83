"""The two-person rule cannot be dodged by one moderator: untagging a protected person does not
lift it (the policy reads every person the clip has depicted), and overturning a proposal into
another outcome a policy covers waits for a further confirmation by someone else."""

import pytest
from django.urls import reverse

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionError, DecisionRequest, apply_decision
from dashboard.models import AuditEvent, Clip, Decision
from teamwork.confirmations import confirm_decision, overturn_decision
from teamwork.constants import PendingState
from teamwork.models import PendingDecision
from teamwork.policy import covering_policies
from tests.factories import PersonFactory, ScoredClipFactory, UserFactory

pytestmark = pytest.mark.django_db
PROTECTED_POLICY = "Protected person: remove or approve"


def url(name: str, clip: Clip, *args: object) -> str:
    return reverse(f"dashboard:{name}", args=[clip.public_id, *args])


def test_untagging_a_protected_person_then_approving_alone_is_still_held(client, moderator):
    ana = PersonFactory(name="Ana Example", protected=True)
    clip = ScoredClipFactory(persons=[ana])  # a report named her
    client.force_login(moderator)
    client.get(url("clip", clip))
    client.post(url("start", clip))  # looking claims nothing; Start review does
    assert client.post(url("person_remove", clip, ana.pk)).status_code == 302
    assert not clip.persons.exists()

    clip.refresh_from_db()
    client.post(url("decide", clip), {"action": "approve", "expected_version": clip.version})

    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_CONFIRM
    assert not Decision.objects.filter(clip=clip).exists()
    pending = PendingDecision.objects.get(clip=clip)
    assert (pending.action, pending.proposed_by, pending.covered_by) == (
        "approve",
        moderator,
        [PROTECTED_POLICY],
    )


def test_a_clip_tagged_protected_then_untagged_stays_covered(client, moderator):
    ana = PersonFactory(name="Ana Example", protected=True, aliases=["A. Example"])
    clip = ScoredClipFactory(reports=0)
    client.force_login(moderator)
    client.get(url("clip", clip))
    client.post(url("start", clip))  # looking claims nothing; Start review does
    client.post(url("person_add", clip), {"name": "a. example"})
    assert list(clip.persons.all()) == [ana]
    client.post(url("person_remove", clip, ana.pk))
    assert not clip.persons.exists()

    assert covering_policies(clip, "approve") == [PROTECTED_POLICY]
    assert covering_policies(clip, "remove") == [PROTECTED_POLICY]
    assert covering_policies(clip, "label") == []
    assert list(
        AuditEvent.objects.filter(clip=clip, action__startswith="clip.person_").values_list(
            "action", flat=True
        )
    ) == ["clip.person_added", "clip.person_removed"]


def test_a_person_never_protected_on_the_clip_does_not_cover_it(moderator):
    clip = ScoredClipFactory(persons=[PersonFactory(name="Bo Example")], reports=0)
    PersonFactory(name="Ana Example", protected=True)  # protected, but not on this clip
    assert covering_policies(clip, "approve") == []


def _proposed_removal(moderator) -> PendingDecision:
    clip = ScoredClipFactory(persons=[PersonFactory(protected=True)])
    claim_clip(clip.pk, moderator)
    pending = apply_decision(clip.pk, moderator, DecisionRequest("remove", reason="Fraud"))
    assert isinstance(pending, PendingDecision)
    return pending


def test_an_overturn_into_another_covered_outcome_needs_a_further_confirmation(
    moderator, moderator2
):
    first = _proposed_removal(moderator)
    clip = first.clip
    third = UserFactory(role="Moderator")

    held = overturn_decision(
        first.pk, moderator2, DecisionRequest("approve", reason="Satire, allowed")
    )

    clip.refresh_from_db()
    first.refresh_from_db()
    assert isinstance(held, PendingDecision)
    assert clip.status == ClipStatus.AWAITING_CONFIRM and clip.decided_at is None
    assert not Decision.objects.filter(clip=clip).exists()
    assert (first.state, first.resolved_by, first.decision) == (
        PendingState.OVERTURNED,
        moderator2,
        None,
    )
    assert first.resolution_reason == "Satire, allowed"
    assert (held.state, held.action, held.proposed_by, held.covered_by) == (
        PendingState.PENDING,
        "approve",
        moderator2,
        [PROTECTED_POLICY],
    )
    event = AuditEvent.objects.get(clip=clip, action="decision.overturn_held")
    assert event.actor == moderator2 and event.data["disagreement"] is True
    assert (event.data["pending"], event.data["overturns"]) == (held.pk, first.pk)

    # The overturner cannot confirm their own outcome.
    with pytest.raises(DecisionError) as refused:
        confirm_decision(held.pk, moderator2)
    assert refused.value.code == "same_moderator"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_CONFIRM

    decision = confirm_decision(held.pk, third)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.APPROVED
    assert (decision.action, decision.moderator) == ("approve", third)
    chain = decision.evidence
    assert chain["two_person"]["proposed_by"] == moderator2.pk
    assert chain["two_person"]["resolved_by"] == third.pk
    (overturned,) = chain["overturned_proposals"]
    assert (overturned["pending"], overturned["proposed_by"]) == (first.pk, moderator.pk)
    assert (overturned["proposed_action"], overturned["overturned_by"]) == ("remove", moderator2.pk)


def test_an_overturn_into_an_uncovered_outcome_applies_at_once(moderator, moderator2):
    first = _proposed_removal(moderator)
    decision = overturn_decision(
        first.pk, moderator2, DecisionRequest("label", labels=["face-swap"], reason="Label it")
    )
    assert isinstance(decision, Decision)
    first.refresh_from_db()
    assert first.state == PendingState.OVERTURNED and first.decision == decision
    assert Clip.objects.get(pk=first.clip_id).status == ClipStatus.LABELED


def test_the_overturn_page_says_the_new_outcome_waits(client, moderator, moderator2):
    first = _proposed_removal(moderator)
    client.force_login(moderator2)
    response = client.post(
        reverse("teamwork:overturn", args=[first.pk]),
        {"action": "approve", "reason": "Satire"},
        follow=True,
    )
    assert response.status_code == 200
    assert "another moderator confirms it" in response.content.decode()
    assert Clip.objects.get(pk=first.clip_id).status == ClipStatus.AWAITING_CONFIRM
