"""Build team-workflow states through the real services."""

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from tests.factories import ClipFactory


def decided_clip(moderator, action: str = "remove", reason: str = "Impersonation policy"):
    """A clip `moderator` decided directly (no protected person, so no second moderator)."""
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    decision = apply_decision(clip.pk, moderator, DecisionRequest(action=action, reason=reason))
    clip.refresh_from_db()
    return clip, decision
