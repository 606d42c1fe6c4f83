"""Builders for insight tests: decided clips and decisions at chosen times."""

from datetime import datetime, timedelta

from django.utils import timezone

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.models import Clip, Decision, Label
from detection.models import DetectorModel
from insight.models import AgreementSample
from teamwork.appeals import decide_appeal, file_appeal
from teamwork.constants import AppealSource, AppealState
from tests.factories import ClipFactory, DetectionRunFactory, DetectorModelFactory, PersonFactory


def clip_at(created_at: datetime, status: str, **kwargs: object) -> Clip:
    return ClipFactory(created_at=created_at, status=status, **kwargs)


def decide(
    clip: Clip,
    moderator: object,
    action: str,
    at: datetime,
    labels: tuple[str, ...] = (),
    final_status: str | None = None,
) -> Decision:
    """A Decision at `at`; with final_status, the clip is marked decided then too."""
    decision = Decision.objects.create(clip=clip, action=action, moderator=moderator, created_at=at)
    if labels:
        decision.labels.set(Label.objects.filter(slug__in=labels))
    if final_status:
        Clip.objects.filter(pk=clip.pk).update(status=final_status, decided_at=at)
        clip.refresh_from_db()
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
    decide_appeal(appeals[1].pk, moderator2, AppealState.OVERTURNED, "An authentic clip.")
    return model
