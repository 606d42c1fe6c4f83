"""Build team-workflow states through the real services."""

from dashboard.models import Clip, Decision
from tests import factories


def decided_clip(
    moderator, action: str = "remove", reason: str = "Impersonation policy"
) -> tuple[Clip, Decision]:
    """A clip `moderator` decided directly (no protected person, so no second moderator), and
    the decision: tests.factories.decided_clip on a clip with no score and no report."""
    clip = factories.decided_clip(action, moderator, reason=reason, score=None, reports=0)
    return clip, clip.decisions.get()
