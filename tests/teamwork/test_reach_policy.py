"""The two-person rule's reach threshold: removing or approving a clip seen at least 1,000,000
times (the default row the migration seeds) waits for a second moderator."""

import pytest

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import Clip, Decision
from desk.ingest import Submission, report_existing
from teamwork.admin import TwoPersonPolicyForm
from teamwork.models import PendingDecision, TwoPersonPolicy
from teamwork.policy import covering_policies
from tests.factories import ClipFactory, PersonFactory

pytestmark = pytest.mark.django_db

HIGH_REACH = "High reach: remove or approve"
PROTECTED = "Protected person: remove or approve"
REMOVE = DecisionRequest(action="remove", reason="Impersonation policy")


def _clip(reach: int | None, **fields: object) -> Clip:
    return ClipFactory(status=ClipStatus.AWAITING_REVIEW, reach=reach, **fields)


def test_default_reach_policy_is_seeded():
    policy = TwoPersonPolicy.objects.get(name=HIGH_REACH)
    assert policy.active and policy.min_reach == 1_000_000
    assert sorted(policy.actions) == ["approve", "remove"]
    assert not policy.protected_person and policy.min_reports is None


def test_clip_above_the_reach_threshold_needs_a_second_moderator():
    clip = _clip(2_500_000)
    assert covering_policies(clip, "remove") == [HIGH_REACH]
    assert covering_policies(clip, "approve") == [HIGH_REACH]
    # Labelling keeps the clip up with a disclosure; escalating asks for a second look anyway.
    assert covering_policies(clip, "label") == []
    assert covering_policies(clip, "escalate") == []


def test_reach_at_the_threshold_is_covered_below_it_is_not():
    assert covering_policies(_clip(1_000_000), "remove") == [HIGH_REACH]
    assert covering_policies(_clip(999_999), "remove") == []
    assert covering_policies(_clip(0), "remove") == []


def test_clip_with_no_stated_reach_is_not_covered_by_reach():
    assert covering_policies(_clip(None), "remove") == []
    TwoPersonPolicy.objects.create(
        name="Any reach", actions=["label"], protected_person=False, min_reach=0
    )
    assert covering_policies(_clip(None), "label") == []
    assert covering_policies(_clip(0), "label") == ["Any reach"]


def test_a_policy_with_two_triggers_is_named_once():
    TwoPersonPolicy.objects.filter(name=PROTECTED).update(min_reach=10)
    clip = _clip(50)
    clip.persons.add(PersonFactory(protected=True))
    assert covering_policies(clip, "remove") == [PROTECTED]
    clip.reach = 5_000_000
    assert covering_policies(clip, "remove") == [PROTECTED, HIGH_REACH]


def test_an_inactive_reach_policy_covers_nothing():
    TwoPersonPolicy.objects.filter(name=HIGH_REACH).update(active=False)
    assert covering_policies(_clip(50_000_000), "remove") == []


def test_operators_change_the_threshold():
    TwoPersonPolicy.objects.filter(name=HIGH_REACH).update(min_reach=10_000)
    assert covering_policies(_clip(10_000), "approve") == [HIGH_REACH]
    assert covering_policies(_clip(9_999), "approve") == []


def test_removal_of_a_widely_seen_clip_is_held_the_reach_reported_later_counts(moderator, reporter):
    clip = _clip(None, submitted_by=reporter)  # its submitter's reports apply at once
    report_existing(clip, Submission(reach=800_000), reporter)
    claim_clip(clip.pk, moderator)
    # Reported again, now past the threshold, while the moderator holds it: the rule applies
    # to the clip as it is when the decision is taken.
    report_existing(clip, Submission(reach=1_200_000), reporter)
    pending = apply_decision(clip.pk, moderator, REMOVE)
    assert isinstance(pending, PendingDecision)
    assert pending.covered_by == [HIGH_REACH]
    assert pending.evidence["reach"] == 1_200_000
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_CONFIRM


def test_removal_below_the_threshold_applies_at_once(moderator, reporter):
    clip = _clip(None, submitted_by=reporter)
    report_existing(clip, Submission(reach=999_999), reporter)
    claim_clip(clip.pk, moderator)
    decision = apply_decision(clip.pk, moderator, REMOVE)
    assert isinstance(decision, Decision)
    assert decision.evidence["reach"] == 999_999
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REMOVED


def test_api_decision_on_a_widely_seen_clip_answers_202(api_client_for, moderator):
    clip = _clip(3_000_000)
    claim_clip(clip.pk, moderator)
    response = api_client_for(moderator).post(
        f"/api/v1/clips/{clip.public_id}/decision/",
        {"action": "approve"},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert response.json()["covered_by"] == [HIGH_REACH]


def _policy_form(**fields) -> TwoPersonPolicyForm:
    data = {"name": "P", "active": "on", "actions": ["remove"], **fields}
    return TwoPersonPolicyForm(data=data)


def test_admin_form_accepts_a_reach_only_policy_and_refuses_one_without_a_trigger():
    assert _policy_form(min_reach="5000").is_valid()
    form = _policy_form()
    assert not form.is_valid()
    assert "what triggers the rule" in str(form.errors)
    assert not _policy_form(min_reach="-1").is_valid()
