"""Asking for an evidence pack: who may, for which clips, and the enqueueing after commit.

The build itself is `teamwork.evidence.build_pack`, run by `teamwork.tasks.build_evidence_pack`.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from dashboard.constants import FINAL_STATES
from dashboard.errors import ServiceError
from dashboard.models import Clip
from dashboard.roles import is_moderator
from dashboard.workflow import record_event
from teamwork.models import EvidencePack
from teamwork.tasks import enqueue_pack_build


class EvidenceError(ServiceError):
    """A refused request about an evidence pack; `code` is stable for the API."""


def check_can_request(clip: Clip, user: AbstractBaseUser) -> None:
    if not is_moderator(user):
        raise EvidenceError("forbidden", _("Only moderators build evidence packs."), 403)
    if clip.status not in FINAL_STATES:
        raise EvidenceError(
            "not_decided",
            _("Clip %(short_id)s is not decided yet: no pack to build.")
            % {"short_id": clip.short_id},
            409,
        )
    if clip.media_erased_at is not None:
        raise EvidenceError("media_erased", clip.erasure_notice, 410)


def request_pack(clip_id: int, user: AbstractBaseUser) -> EvidencePack:
    """Record a pack request (audited) and enqueue its build once the request commits."""
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        check_can_request(clip, user)
        pack = EvidencePack.objects.create(clip=clip, requested_by=user)
        record_event(clip, "evidence.requested", actor=user, data={"pack": pack.pk})
        transaction.on_commit(lambda: enqueue_pack_build(pack.pk))
    return pack
