"""Appeals: filed against a final decision, reviewed by someone other than the decider."""

import pytest

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import AuditEvent
from integrations.models import WebhookEndpoint, WebhookEvent
from teamwork.appeals import (
    AppealError,
    appeal_counts,
    decide_appeal,
    file_appeal,
    open_appeals,
)
from teamwork.confirmations import confirm_decision
from teamwork.constants import AppealSource, AppealState
from tests.factories import ClipFactory, PersonFactory
from tests.teamwork.helpers import decided_clip

pytestmark = pytest.mark.django_db


def test_appeal_is_filed_against_the_final_decision_and_audited(moderator, reporter):
    clip, decision = decided_clip(moderator)
    appeal = file_appeal(clip.pk, reporter, "It is my own video.", appellant="uploader 42")
    assert (appeal.decision, appeal.state, appeal.source) == (
        decision,
        AppealState.OPEN,
        AppealSource.API,
    )
    assert AuditEvent.objects.filter(clip=clip, action="appeal.filed", actor=reporter).exists()
    assert list(open_appeals()) == [appeal]


def test_undecided_clip_cannot_be_appealed(reporter):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    with pytest.raises(AppealError) as refused:
        file_appeal(clip.pk, reporter, "Please")
    assert refused.value.code == "not_decided"
    with pytest.raises(AppealError) as refused:
        file_appeal(clip.pk, reporter, "   ")
    assert refused.value.code == "statement_required"


def test_appeal_cannot_be_reviewed_by_the_original_decider(moderator, moderator2, reporter):
    clip, _ = decided_clip(moderator)
    appeal = file_appeal(clip.pk, reporter, "Satire.")
    with pytest.raises(AppealError) as refused:
        decide_appeal(appeal.pk, moderator, AppealState.OVERTURNED, "I was wrong")
    assert refused.value.code == "original_decider" and refused.value.status == 403
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN and appeal.reviewed_by is None
    decide_appeal(appeal.pk, moderator2, AppealState.UPHELD, "Clearly impersonation")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.reviewed_by) == (AppealState.UPHELD, moderator2)


def test_both_people_of_a_two_person_decision_count_as_deciders(
    moderator, moderator2, senior, reporter
):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    clip.persons.add(PersonFactory(protected=True))
    claim_clip(clip.pk, moderator)
    pending = apply_decision(clip.pk, moderator, DecisionRequest(action="remove", reason="x"))
    confirm_decision(pending.pk, moderator2)
    appeal = file_appeal(clip.pk, reporter, "Not them.")
    for decider in (moderator, moderator2):
        with pytest.raises(AppealError):
            decide_appeal(appeal.pk, decider, AppealState.OVERTURNED, "x")
    decide_appeal(appeal.pk, senior, AppealState.OVERTURNED, "Not the protected person")


def test_outcome_is_audited_announced_and_counted(moderator, moderator2, reporter):
    WebhookEndpoint.objects.create(
        name="platform", url="https://platform.example/hooks", events=["clip.appeal_decided"]
    )
    clip, decision = decided_clip(moderator)
    appeal = file_appeal(clip.pk, reporter, "Parody account, labelled as such.")
    other, _ = decided_clip(moderator)
    file_appeal(other.pk, reporter, "Second appeal")
    assert appeal_counts().open == 2
    decide_appeal(appeal.pk, moderator2, AppealState.OVERTURNED, "Parody is allowed")
    event = AuditEvent.objects.get(clip=clip, action="appeal.overturned")
    assert event.actor == moderator2 and event.data["reason"] == "Parody is allowed"
    hook = WebhookEvent.objects.get(event_type="clip.appeal_decided")
    assert hook.payload["data"]["outcome"] == "overturned"
    assert hook.payload["data"]["decision"] == decision.pk
    counts = appeal_counts()
    assert (counts.open, counts.upheld, counts.overturned) == (1, 0, 1)
    with pytest.raises(AppealError) as refused:
        decide_appeal(appeal.pk, moderator2, AppealState.UPHELD, "again")
    assert refused.value.code == "already_reviewed"


def test_outcome_needs_a_reason_and_a_known_outcome(moderator, moderator2, reporter):
    clip, _ = decided_clip(moderator)
    appeal = file_appeal(clip.pk, reporter, "Please")
    with pytest.raises(AppealError) as refused:
        decide_appeal(appeal.pk, moderator2, AppealState.UPHELD, " ")
    assert refused.value.code == "reason_required"
    with pytest.raises(AppealError) as refused:
        decide_appeal(appeal.pk, moderator2, "open", "x")
    assert refused.value.code == "invalid_outcome"


def test_outsider_cannot_file(moderator, outsider):
    clip, _ = decided_clip(moderator)
    with pytest.raises(AppealError) as refused:
        file_appeal(clip.pk, outsider, "x")
    assert refused.value.status == 403
