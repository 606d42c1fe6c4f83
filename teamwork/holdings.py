"""Teamwork's say in retention: the evidence packs it stores for a clip (files erased, the
pack row and its SHA-256 kept), and what must stop a sweep (an open appeal, a pack build in
progress that is about to read the clip file).
"""

from dashboard.hooks import (
    HeldMedia,
    MediaHolder,
    RetentionBlocker,
    clip_media_holders,
    retention_blockers,
)
from dashboard.models import Clip
from teamwork.constants import AppealState, PackState
from teamwork.models import Appeal, EvidencePack


def evidence_packs(clip: Clip) -> list[HeldMedia]:
    packs = EvidencePack.objects.filter(clip=clip).exclude(file="").order_by("pk")
    return [_held(pack) for pack in packs]


def _held(pack: EvidencePack) -> HeldMedia:
    pack_id = pack.pk
    return HeldMedia(
        kind="evidence_pack",
        description=f"evidence pack {pack_id} ({pack.file.name})",
        storage=pack.file.storage,
        name=pack.file.name,
        size_bytes=pack.size_bytes,
        forget=lambda: EvidencePack.objects.filter(pk=pack_id).update(file=""),
    )


def open_appeal(clip: Clip) -> str:
    appeal = Appeal.objects.filter(clip=clip, state=AppealState.OPEN).order_by("pk").first()
    return f"appeal {appeal.pk} is open" if appeal else ""


def pack_in_progress(clip: Clip) -> str:
    pack = (
        EvidencePack.objects.filter(clip=clip, state__in=[PackState.QUEUED, PackState.BUILDING])
        .order_by("pk")
        .first()
    )
    return f"evidence pack {pack.pk} is being built" if pack else ""


def register() -> None:
    clip_media_holders.register(
        "teamwork.evidence_packs", MediaHolder("evidence_packs", "Evidence packs", evidence_packs)
    )
    retention_blockers.register(
        "teamwork.open_appeal", RetentionBlocker("open_appeal", open_appeal)
    )
    retention_blockers.register(
        "teamwork.pack_in_progress", RetentionBlocker("pack_in_progress", pack_in_progress)
    )
