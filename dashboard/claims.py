"""Claims: a moderator holds a clip under a lease while reviewing it."""

from django.utils import timezone

from dashboard.constants import ClipStatus
from dashboard.models import Clip
from dashboard.workflow import TransitionError, record_event, transition


def release_expired_claims() -> int:
    """Return clips whose review lease ran out to the queue; audited as the system's act."""
    now = timezone.now()
    released = 0
    expired = Clip.objects.filter(claimed_by__isnull=False, claim_expires_at__lt=now)
    for clip in expired.only("pk", "status", "claimed_by_id"):
        if clip.status == ClipStatus.IN_REVIEW:
            try:
                transition(
                    clip.pk,
                    ClipStatus.AWAITING_REVIEW,
                    actor_label="task:release_expired_claims",
                    action="claim.expired",
                    expected_from=(ClipStatus.IN_REVIEW,),
                    fields={"claimed_by": None, "claim_expires_at": None},
                    data={"held_by": clip.claimed_by_id},
                )
            except TransitionError:
                continue
        else:
            updated = Clip.objects.filter(pk=clip.pk, claim_expires_at__lt=now).update(
                claimed_by=None, claim_expires_at=None
            )
            if not updated:
                continue
            record_event(
                clip,
                "claim.expired",
                actor_label="task:release_expired_claims",
                data={"held_by": clip.claimed_by_id},
            )
        released += 1
    return released
