"""A decided clip holding every kind of media the apps keep: its file, a face crop, an evidence
pack and a disclosed rendition, all real files in the test's storage."""

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from dashboard.models import Clip, Decision
from detection.models import DetectionRun, DetectorModel, FaceCrop, RunStatus
from provenance.models import ClipFingerprint, DisclosedRendition, RenditionState
from teamwork.constants import PackState
from teamwork.models import EvidencePack
from tests.teamwork.helpers import decided_clip


@dataclass
class Stocked:
    clip: Clip
    decision: Decision
    pack: EvidencePack
    rendition: DisclosedRendition
    crop: FaceCrop

    @property
    def names(self) -> list[str]:
        return [self.clip.file.name, self.pack.file.name, self.rendition.file.name]


def stock(moderator, action: str = "remove", reason: str = "Impersonation policy") -> Stocked:
    clip, decision = decided_clip(moderator, action=action, reason=reason)
    default_storage.save(clip.file.name, ContentFile(b"\x00\x00\x00\x18ftypmp42" + b"v" * 990))
    model, _ = DetectorModel.objects.get_or_create(
        name="baseline",
        version="1",
        defaults={
            "file": "detectors/b.onnx",
            "sha256": "cd" * 32,
            "input_spec": {},
            "output_spec": {},
            "is_active": True,
        },  # fmt: skip
    )
    run = DetectionRun.objects.create(clip=clip, model=model, status=RunStatus.DONE, clip_score=0.9)
    crop = FaceCrop.objects.create(run=run, rank=1, time_s=0.4, score=0.9, jpeg=b"\xff\xd8jpeg")
    ClipFingerprint.objects.create(clip=clip, frame_hashes=b"\x07" * 32, frame_count=1)
    pack = EvidencePack.objects.create(
        clip=clip, requested_by=moderator, state=PackState.DONE, sha256="ee" * 32, size_bytes=3
    )
    pack.file.save("evidence.zip", ContentFile(b"zip"), save=True)
    rendition = DisclosedRendition.objects.create(
        clip=clip, decision=decision, state=RenditionState.READY, sha256="ff" * 32
    )
    rendition.file.save(f"{clip.public_id.hex}.mp4", ContentFile(b"labelled"), save=True)
    clip.refresh_from_db()
    return Stocked(clip, decision, pack, rendition, crop)


@pytest.fixture
def stocked(moderator) -> Stocked:
    return stock(moderator)
