"""Builders shared by the desk tests (and the browser tests): detector models, scored clips
with a detection run, a timeline and face crops. Holds no tests of its own."""

import hashlib
import itertools
from datetime import timedelta

import cv2
import numpy as np
from django.utils import timezone

from dashboard.constants import ClipStatus, ReportReason
from dashboard.models import Clip, Person, Report
from detection.models import DetectionRun, DetectorModel, FaceCrop, RunStatus
from tests.factories import ClipFactory

_ids = itertools.count()


def tiny_jpeg(shade: int = 128) -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((24, 24, 3), shade, dtype=np.uint8))
    assert ok
    return data.tobytes()


def detector(
    name: str = "baseline", version: str = "1", *, active: bool = True, shadow: bool = False
) -> DetectorModel:
    n = next(_ids)
    return DetectorModel.objects.create(
        name=name,
        version=version,
        file=f"detectors/{name}-{version}-{n}.onnx",
        sha256=hashlib.sha256(f"model-{name}-{version}-{n}".encode()).hexdigest(),
        input_spec={},
        output_spec={},
        threshold=0.5,
        is_active=active,
        is_shadow=shadow,
    )


def timeline(scores: list[float], step: float = 0.5) -> list[dict]:
    return [
        {
            "t": round(i * step, 3),
            "frame": i * 12,
            "score": score,
            "faces": [[10, 10, 40, 40, 0.9]],
            "face_found": True,
        }
        for i, score in enumerate(scores)
    ]


def add_run(
    clip: Clip,
    model: DetectorModel,
    scores: list[float] = (0.2, 0.4, 0.9, 0.7),
    *,
    crops: int = 2,
    shadow: bool = False,
) -> DetectionRun:
    scores = list(scores)
    run = DetectionRun.objects.create(
        clip=clip,
        model=model,
        status=RunStatus.DONE,
        is_shadow=shadow,
        clip_score=max(scores),
        threshold=model.threshold,
        frames_total=len(scores),
        frames_scored=len(scores),
        faces_found=len(scores),
        timeline=timeline(scores),
        timings_ms={"decode": 12.5, "faces": 30.0, "inference": 41.2, "total": 80.0},
        finished_at=timezone.now(),
    )
    ranked = sorted(enumerate(scores), key=lambda item: -item[1])[:crops]
    FaceCrop.objects.bulk_create(
        FaceCrop(run=run, rank=rank, time_s=i * 0.5, score=s, jpeg=tiny_jpeg(40 * rank))
        for rank, (i, s) in enumerate(ranked)
    )
    return run


def scored_clip(
    *,
    status: str = ClipStatus.AWAITING_REVIEW,
    score: float | None = 0.9,
    priority: float | None = None,
    model: DetectorModel | None = None,
    reports: int = 1,
    reason: str = ReportReason.DEEPFAKE,
    persons: tuple[Person, ...] = (),
    age: timedelta = timedelta(0),
    **fields: object,
) -> Clip:
    created = timezone.now() - age
    clip = ClipFactory(
        status=status,
        score=score,
        priority=priority if priority is not None else 100 * (score or 0),
        created_at=created,
        **fields,
    )
    if model is not None:
        add_run(clip, model)
    for _ in range(reports):
        Report.objects.create(clip=clip, reason=reason, created_at=created)
    if persons:
        clip.persons.add(*persons)
    return clip
