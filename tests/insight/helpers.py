"""Builders for insight tests: clips that arrived, and decisions made, at chosen times.

Nothing here writes `Clip.status` itself: clips move through the state machine and decisions
are made by the desk's services (claim_clip, apply_decision) with the clock set to the chosen
time (time-machine), so the Decision, its audit events and the clip's `decided_at` carry that
time as they would on the desk.
"""

from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from dashboard.claims import claim_clip
from dashboard.constants import DECISION_TARGET, ClipStatus, DecisionAction
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import Clip, Decision
from dashboard.workflow import transition
from detection.models import DetectorModel
from insight.models import AgreementSample
from teamwork.appeals import NewOutcome, decide_appeal, file_appeal
from teamwork.constants import AppealSource, AppealState
from tests.factories import (
    ClipFactory,
    DetectionRunFactory,
    DetectorModelFactory,
    PersonFactory,
    UserFactory,
)

# States a clip is created in; later ones are reached through the workflow.
ARRIVAL_STATES = (ClipStatus.QUEUED, ClipStatus.AWAITING_REVIEW)


def _at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def clip_at(created_at: datetime, status: str, **kwargs: object) -> Clip:
    """A clip that arrived at `created_at` and is now in `status`: queued or awaiting review
    as created; opened for review or escalated through the workflow at that time."""
    if status in ARRIVAL_STATES:
        return ClipFactory(created_at=created_at, status=status, **kwargs)
    clip = ClipFactory(created_at=created_at, status=ClipStatus.AWAITING_REVIEW, **kwargs)
    if status == ClipStatus.IN_REVIEW:
        # Opened by a moderator whose lease has run out since: nobody holds it now.
        with _at(created_at):
            transition(clip.pk, ClipStatus.IN_REVIEW, actor_label="tests.insight.clip_at")
    elif status == ClipStatus.ESCALATED:
        decide(clip, UserFactory(), DecisionAction.ESCALATE, created_at)
    else:
        raise ValueError(f"make a {status} clip with decide(), not clip_at()")
    clip.refresh_from_db()
    return clip


def decide(
    clip: Clip,
    moderator: object,
    action: str,
    at: datetime,
    labels: tuple[str, ...] = (),
    final_status: str | None = None,
) -> Decision:
    """`moderator` claims `clip` and decides it with `action` at `at`, through the desk's
    services; `final_status`, when given, is the status the clip must end in."""
    reason = "Needs a second look" if action in (DecisionAction.ESCALATE, "remove") else ""
    with _at(at):
        claim_clip(clip.pk, moderator)
        decision = apply_decision(
            clip.pk, moderator, DecisionRequest(action, labels=labels, reason=reason)
        )
    assert isinstance(decision, Decision), "a two-person policy held the decision"
    clip.refresh_from_db()
    assert clip.status == (final_status or DECISION_TARGET[DecisionAction(action)])
    return decision


def seed_busy_day(moderator, moderator2, senior) -> DetectorModel:
    """A day of work touching every chart: decisions, labels, persons, an agreement pair, and
    three appeals against moderator's decisions (one upheld, one overturned, one open)."""
    now = timezone.now()
    model = DetectorModelFactory()
    person = PersonFactory(name="Ana")
    outcomes = [
        (DecisionAction.APPROVE, ClipStatus.APPROVED, (), 0.2),
        (DecisionAction.LABEL, ClipStatus.LABELED, ("face-swap",), 0.8),
        (DecisionAction.REMOVE, ClipStatus.REMOVED, (), 0.9),
    ]
    decided = []
    for i, (action, status, labels, score) in enumerate(outcomes):
        clip = clip_at(now - timedelta(hours=5), ClipStatus.IN_REVIEW, platform="tube")
        decided.append(clip)
        clip.persons.add(person)
        DetectionRunFactory(clip=clip, model=model, scores=[score], crops=0)
        first = decide(
            clip, moderator, action, now - timedelta(hours=i + 1), labels, final_status=status
        )
        if i == 0:
            AgreementSample.objects.create(
                clip=clip,
                first_decision=first,
                second_moderator=moderator2,
                second_action=DecisionAction.REMOVE,
                reviewed_at=now - timedelta(minutes=5),
            )
    escalated = clip_at(now - timedelta(hours=3), ClipStatus.IN_REVIEW)
    decide(escalated, moderator, DecisionAction.ESCALATE, now - timedelta(hours=2))
    decide(
        escalated, senior, DecisionAction.APPROVE, now - timedelta(hours=1), final_status="approved"
    )
    clip_at(now - timedelta(hours=30), ClipStatus.AWAITING_REVIEW)
    appeals = [
        file_appeal(clip.pk, moderator, "It is really me.", source=AppealSource.DESK)
        for clip in decided
    ]
    decide_appeal(appeals[0].pk, moderator2, AppealState.UPHELD, "The label stands.")
    # Overturned into another label (teamwork.appeals records it as a new decision that
    # supersedes the first), so the clip stays a manipulated one for the calibration chart.
    decide_appeal(
        appeals[1].pk,
        moderator2,
        AppealState.OVERTURNED,
        "Lip-sync, not a face swap.",
        NewOutcome(action=DecisionAction.LABEL, labels=("lip-sync",)),
    )
    return model
