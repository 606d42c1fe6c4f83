"""Detection's share of a clip's media for retention: the face crops (JPEGs in the database,
also the queue's thumbnails). Erasing one drops its row; the run, its scores and timeline stay.
"""

from dashboard.hooks import HeldMedia, MediaHolder, clip_media_holders
from dashboard.models import Clip
from detection.models import FaceCrop


def face_crops(clip: Clip) -> list[HeldMedia]:
    crops = FaceCrop.objects.filter(run__clip=clip).only("pk", "run_id", "rank").order_by("pk")
    return [_held(crop) for crop in crops]


def _held(crop: FaceCrop) -> HeldMedia:
    crop_id = crop.pk
    return HeldMedia(
        kind="face_crop",
        description=f"face crop {crop_id} (run {crop.run_id}, rank {crop.rank})",
        storage=None,
        name="",
        size_bytes=0,
        forget=lambda: FaceCrop.objects.filter(pk=crop_id).delete(),
    )


def register() -> None:
    clip_media_holders.register(
        "detection.face_crops", MediaHolder("face_crops", "Face crops and thumbnails", face_crops)
    )
