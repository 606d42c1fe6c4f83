"""Fixtures for the API tests: throttles reset per test, clips in every state, a scored clip."""

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.utils import timezone

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.models import Clip, Label
from detection.models import DetectionRun, DetectorModel, RunStatus
from tests.factories import ClipFactory


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache: every test starts with full buckets."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def detector(db) -> DetectorModel:
    return DetectorModel.objects.create(
        name="tiny",
        version="1",
        file="detectors/tiny.onnx",
        sha256="a" * 64,
        input_spec={"name": "input"},
        output_spec={"name": "prob"},
        threshold=0.5,
        is_active=True,
    )


@pytest.fixture
def scored_clip(detector) -> Clip:
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, score=0.82, platform="video-site")
    DetectionRun.objects.create(
        clip=clip,
        model=detector,
        status=RunStatus.DONE,
        clip_score=0.82,
        threshold=0.5,
        frames_total=3,
        frames_scored=3,
        faces_found=2,
        frames_without_face=1,
        timeline=[
            {
                "t": 0.0,
                "frame": 0,
                "score": 0.9,
                "faces": [[1, 2, 30, 30, 0.99]],
                "face_found": True,
            },
            {
                "t": 0.5,
                "frame": 12,
                "score": 0.74,
                "faces": [[2, 2, 30, 30, 0.97]],
                "face_found": True,
            },
            {"t": 1.0, "frame": 25, "score": None, "faces": [], "face_found": False},
        ],
        timings_ms={"total": 120.0},
        finished_at=timezone.now(),
    )
    return clip


@pytest.fixture
def held_by() -> Callable[..., Clip]:
    """A clip awaiting review, claimed by `user`."""

    def make(user, **fields) -> Clip:
        clip = ClipFactory(status=fields.pop("status", ClipStatus.AWAITING_REVIEW), **fields)
        return claim_clip(clip.pk, user).clip

    return make


@pytest.fixture
def label(db) -> Label:
    return Label.objects.get(slug="face-swap")
