"""Provenance's share of a clip's media for retention: its disclosed renditions (the labelled
video platforms fetch). The file is erased; the rendition row, its SHA-256, and the clip's
fingerprint (PDQ hashes that catch the clip when it resurfaces) stay.
"""

from dashboard.hooks import HeldMedia, MediaHolder, clip_media_holders
from dashboard.models import Clip
from provenance.models import DisclosedRendition


def renditions(clip: Clip) -> list[HeldMedia]:
    rows = DisclosedRendition.objects.filter(clip=clip).exclude(file="").order_by("pk")
    return [_held(rendition) for rendition in rows]


def _held(rendition: DisclosedRendition) -> HeldMedia:
    rendition_id = rendition.pk
    return HeldMedia(
        kind="rendition",
        description=f"disclosed rendition {rendition_id} ({rendition.file.name})",
        storage=rendition.file.storage,
        name=rendition.file.name,
        size_bytes=0,  # not recorded on the row; asking S3 per file would cost a request
        forget=lambda: DisclosedRendition.objects.filter(pk=rendition_id).update(file=""),
    )


def register() -> None:
    clip_media_holders.register(
        "provenance.renditions", MediaHolder("renditions", "Disclosed renditions", renditions)
    )
