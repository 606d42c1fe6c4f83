"""Operators' overrides of the desk's rules, for the admin panel: each one checked and audited.

Only admins may use them; every use leaves an AuditEvent naming the operator.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from dashboard.claims import ClaimError, end_claim
from dashboard.models import Clip
from dashboard.roles import is_admin


def force_release(clip_id: int, actor: AbstractBaseUser) -> bool:
    """Take a clip back from whoever holds it (a moderator who left mid-review).

    Returns False when nobody held it. An in-review clip goes back to awaiting review; an
    escalated one keeps its status. Audited as claim.force_released by `actor`.
    """
    if not is_admin(actor):
        raise ClaimError("forbidden", _("Only admins may release another moderator's claim."), 403)
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        if clip.claimed_by_id is None:
            return False
        end_claim(clip, actor=actor, action="claim.force_released")
    return True
