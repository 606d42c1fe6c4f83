"""Appeals change outcomes: overturning records the new outcome through the decision service
(restore -> approved, or the reviewer's label or removal), sends clip.decided naming the
previous decision, unbanks a known-fake entry made from the overturned decision, and links
both decisions in the audit; an upheld appeal changes nothing but is recorded and announced."""

import pytest
from django.urls import reverse

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip, Decision
from dashboard.workflow import TransitionError, transition
from integrations.models import WebhookEndpoint, WebhookEvent
from provenance.models import BankChange, BankChangeKind, BankEntry, BankMatch, EntrySource
from provenance.services import default_bank
from teamwork.appeals import AppealError, NewOutcome, decide_appeal, file_appeal
from teamwork.constants import AppealState
from tests.factories import ScoredClipFactory
from tests.teamwork.helpers import decided_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform():
    return WebhookEndpoint.objects.create(
        name="platform",
        url="https://platform.example/hooks",
        events=["clip.decided", "clip.appeal_decided"],
    )


def bank(decision):
    return BankEntry.objects.create(
        bank=default_bank(),
        source=EntrySource.DECISION,
        clip=decision.clip,
        decision=decision,
        decision_action=decision.action,
        frame_hashes=b"",
    )


def test_overturned_removal_restores_the_clip_and_tells_the_platform(
    moderator, moderator2, reporter, platform
):
    clip, removal = decided_clip(moderator)
    entry = bank(removal)
    reupload = ScoredClipFactory()
    BankMatch.objects.create(
        clip=reupload, entry=entry, query_share=1, bank_share=1, best_distance=3, matched_frames=9
    )
    appeal = file_appeal(clip.pk, reporter, "It is my own video.")
    WebhookEvent.objects.all().delete()

    decided = decide_appeal(appeal.pk, moderator2, AppealState.OVERTURNED, "Verified original")

    clip.refresh_from_db()
    assert clip.status == ClipStatus.APPROVED
    restored = decided.new_decision
    assert (restored.action, restored.moderator, restored.supersedes_id) == (
        "approve",
        moderator2,
        removal.pk,
    )
    assert restored.evidence["appeal"] == appeal.pk
    # Both decisions linked in the audit: the transition and the appeal's own event.
    moved = AuditEvent.objects.get(clip=clip, action="decision.approve")
    assert (moved.from_status, moved.to_status) == (ClipStatus.REMOVED, ClipStatus.APPROVED)
    assert moved.data["supersedes"] == removal.pk and moved.data["appeal"] == appeal.pk
    closed = AuditEvent.objects.get(clip=clip, action="appeal.overturned")
    assert (closed.data["decision"], closed.data["new_decision"]) == (removal.pk, restored.pk)
    # The platform hears the new decision with the previous one, and the appeal's outcome.
    hook = WebhookEvent.objects.get(event_type="clip.decided")
    assert hook.payload["clip"]["status"] == "approved"
    assert hook.payload["data"]["action"] == "approve"
    assert hook.payload["data"]["previous_decision"]["decision"] == removal.pk
    assert hook.payload["data"]["previous_decision"]["action"] == "remove"
    assert hook.payload["data"]["previous_decision"]["overturned_by_appeal"] == appeal.pk
    outcome = WebhookEvent.objects.get(event_type="clip.appeal_decided")
    assert outcome.payload["data"]["new_decision"] == restored.pk
    # The known-fake entry banked from the removal is gone, with its matches, audited.
    assert not BankEntry.objects.filter(pk=entry.pk).exists()
    assert not BankMatch.objects.filter(clip=reupload).exists()
    assert BankChange.objects.filter(kind=BankChangeKind.REMOVE, entry_id=entry.pk).exists()
    unbanked = AuditEvent.objects.get(clip=clip, action="provenance.unbanked")
    assert unbanked.data["decision"] == removal.pk and unbanked.data["superseded_by"] == restored.pk


def test_reviewer_may_choose_a_label_instead_of_a_removal(moderator, moderator2, reporter):
    clip, removal = decided_clip(moderator)
    appeal = file_appeal(clip.pk, reporter, "Parody, should be labelled, not removed.")
    decided = decide_appeal(
        appeal.pk,
        moderator2,
        AppealState.OVERTURNED,
        "Parody is allowed with a label",
        NewOutcome(action="label", labels=("face-swap",)),
    )
    clip.refresh_from_db()
    assert clip.status == ClipStatus.LABELED
    assert list(decided.new_decision.labels.values_list("slug", flat=True)) == ["face-swap"]
    assert decided.new_decision.supersedes_id == removal.pk


def test_overturned_approval_needs_the_new_outcome(moderator, moderator2, reporter):
    clip, approval = decided_clip(moderator, action="approve", reason="")
    appeal = file_appeal(clip.pk, moderator2, "This is a deepfake of me.")
    with pytest.raises(AppealError) as refused:
        decide_appeal(appeal.pk, moderator2, AppealState.OVERTURNED, "It is fake")
    assert refused.value.code == "new_outcome_required"
    with pytest.raises(AppealError) as refused:
        decide_appeal(
            appeal.pk, moderator2, AppealState.OVERTURNED, "It is fake", NewOutcome("remove")
        )
    assert refused.value.code == "reason_required"  # a removal's policy reason
    appeal.refresh_from_db()
    clip.refresh_from_db()
    assert appeal.state == AppealState.OPEN and clip.status == ClipStatus.APPROVED
    decide_appeal(
        appeal.pk,
        moderator2,
        AppealState.OVERTURNED,
        "It is fake",
        NewOutcome("remove", policy_reason="Impersonation or fraud"),
    )
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED
    assert clip.decisions.latest("created_at").reason == "Impersonation or fraud"


def test_overturning_to_the_same_outcome_is_refused(moderator, moderator2, reporter):
    clip, _ = decided_clip(moderator)
    appeal = file_appeal(clip.pk, reporter, "x")
    with pytest.raises(AppealError) as refused:
        decide_appeal(
            appeal.pk,
            moderator2,
            AppealState.OVERTURNED,
            "same",
            NewOutcome("remove", policy_reason="Impersonation policy"),
        )
    assert refused.value.code == "same_outcome"
    assert Clip.objects.get(pk=clip.pk).decisions.count() == 1


def test_upheld_appeal_changes_nothing_but_is_recorded_and_announced(
    moderator, moderator2, reporter, platform
):
    clip, removal = decided_clip(moderator)
    entry = bank(removal)
    appeal = file_appeal(clip.pk, reporter, "Please restore")
    WebhookEvent.objects.all().delete()
    decided = decide_appeal(appeal.pk, moderator2, AppealState.UPHELD, "Clearly impersonation")
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED and decided.new_decision is None
    assert list(clip.decisions.all()) == [removal]
    assert BankEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(clip=clip, action="appeal.upheld").exists()
    hook = WebhookEvent.objects.get()
    assert hook.event_type == "clip.appeal_decided"
    assert hook.payload["data"]["outcome"] == "upheld"


def test_final_states_stay_final_outside_an_appeal(moderator):
    clip, _ = decided_clip(moderator)
    with pytest.raises(TransitionError):
        transition(clip.pk, ClipStatus.APPROVED)
    assert transition(clip.pk, ClipStatus.APPROVED, by_appeal=True).to_status == "approved"


def test_appeal_page_overturns_with_the_chosen_outcome(client, moderator, moderator2, reporter):
    clip, removal = decided_clip(moderator)
    appeal = file_appeal(clip.pk, reporter, "Restore it")
    client.force_login(moderator2)
    page = client.get(reverse("teamwork:appeal", args=[appeal.pk])).content.decode()
    assert 'name="new_action"' in page and 'name="policy_reason"' in page
    response = client.post(
        reverse("teamwork:appeal_decide", args=[appeal.pk]),
        {"outcome": "overturned", "reason": "Verified original", "new_action": ""},
    )
    assert response.status_code == 302
    clip.refresh_from_db()
    assert clip.status == ClipStatus.APPROVED
    assert Decision.objects.get(evidence__supersedes=removal.pk).action == "approve"


def test_api_review_overturns_with_a_new_outcome(api_client_for, moderator, moderator2, reporter):
    clip, _ = decided_clip(moderator, action="approve", reason="")
    appeal = file_appeal(clip.pk, reporter, "fake")
    response = api_client_for(moderator2).post(
        f"/api/v1/appeals/{appeal.pk}/review/",
        {
            "outcome": "overturned",
            "reason": "It is fake",
            "new_action": "label",
            "labels": ["face-swap"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    clip.refresh_from_db()
    assert clip.status == ClipStatus.LABELED
