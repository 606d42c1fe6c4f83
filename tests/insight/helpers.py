"""Builders for insight tests: decided clips and decisions at chosen times."""

from datetime import datetime

from dashboard.models import Clip, Decision, Label
from tests.factories import ClipFactory


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
