"""factory_boy factories for the suite's rows, and builders for clips people have worked on.

A factory creates a clip directly only in a state a clip reaches without anybody acting on it:
queued, scoring, awaiting review (scored), failed. A clip that was claimed, decided, escalated
or held for a second moderator is made through the desk's own services (`claimed_clip`,
`decided_clip`, `escalated_clip` below), so it carries the Decision, audit events, webhook
rows and banking a real one has, and the state machine is never bypassed.
"""

import hashlib
import itertools
from collections.abc import Sequence
from datetime import timedelta

import cv2
import factory
import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus, DecisionAction, DepictionSource, ReportReason, Role
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import Clip, Person, Report
from dashboard.persons import depict
from dashboard.roles import set_role
from detection.models import DetectionRun, DetectorModel, FaceCrop, RunStatus

_counter = itertools.count()
PASSWORD = "correct horse battery staple 42"  # noqa: S105 - the suite's users (conftest)


def tiny_jpeg(shade: int = 128) -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((24, 24, 3), shade, dtype=np.uint8))
    assert ok
    return data.tobytes()


def timeline(scores: Sequence[float], step: float = 0.5) -> list[dict]:
    """A detection run's per-frame timeline: one sample every `step` seconds, a face in each."""
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


class UserFactory(factory.django.DjangoModelFactory):
    """A user with one Unmask role (`role=None` for none); the fixed users live in conftest."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create and extracted is not False:
            set_role(user, extracted or Role.MODERATOR)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")


class ClipFactory(factory.django.DjangoModelFactory):
    """A clip as an upload leaves it (queued), without a file on disk."""

    class Meta:
        model = Clip

    sha256 = factory.LazyFunction(lambda: hashlib.sha256(str(next(_counter)).encode()).hexdigest())
    file = factory.LazyAttribute(lambda o: f"clips/{o.sha256[:2]}/{o.sha256}.mp4")
    size_bytes = 1000
    width = 320
    height = 240
    fps = 25.0
    duration_s = 2.0
    frame_count = 50
    status = ClipStatus.QUEUED


class DetectorModelFactory(factory.django.DjangoModelFactory):
    """A registered detector version (no ONNX file behind it); active unless told otherwise."""

    class Meta:
        model = DetectorModel

    name = "baseline"
    version = "1"
    file = factory.LazyAttribute(lambda o: f"detectors/{o.name}-{o.version}-{next(_counter)}.onnx")
    sha256 = factory.LazyAttribute(
        lambda o: hashlib.sha256(
            f"model-{o.name}-{o.version}-{next(_counter)}".encode()
        ).hexdigest()
    )
    input_spec = factory.LazyFunction(dict)
    output_spec = factory.LazyFunction(dict)
    threshold = 0.5
    is_active = True
    is_shadow = False


class DetectionRunFactory(factory.django.DjangoModelFactory):
    """A finished run with a timeline of `scores` and `crops` face crops (best first)."""

    class Meta:
        model = DetectionRun
        skip_postgeneration_save = True

    class Params:
        scores = (0.2, 0.4, 0.9, 0.7)

    clip = factory.SubFactory(ClipFactory)
    model = factory.SubFactory(DetectorModelFactory)
    status = RunStatus.DONE
    is_shadow = False
    clip_score = factory.LazyAttribute(lambda o: max(o.scores))
    threshold = factory.LazyAttribute(lambda o: o.model.threshold)
    frames_total = factory.LazyAttribute(lambda o: len(o.scores))
    frames_scored = factory.LazyAttribute(lambda o: len(o.scores))
    faces_found = factory.LazyAttribute(lambda o: len(o.scores))
    timeline = factory.LazyAttribute(lambda o: timeline(o.scores))
    timings_ms = factory.LazyFunction(
        lambda: {"decode": 12.5, "faces": 30.0, "inference": 41.2, "total": 80.0}
    )
    finished_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def crops(run, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        count = 2 if extracted is None else extracted
        if not create or not count:
            return
        scores = [p["score"] for p in run.timeline]
        ranked = sorted(enumerate(scores), key=lambda item: -item[1])[:count]
        FaceCrop.objects.bulk_create(
            FaceCrop(run=run, rank=rank, time_s=i * 0.5, score=s, jpeg=tiny_jpeg(40 * rank))
            for rank, (i, s) in enumerate(ranked)
        )


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    clip = factory.SubFactory(ClipFactory)
    reason = ReportReason.DEEPFAKE
    created_at = factory.LazyAttribute(lambda o: o.clip.created_at)


class ScoredClipFactory(ClipFactory):
    """A clip scoring finished with: awaiting review, a score, a priority that follows it, and
    one report (`reports=N`, `reports__reason=...`). `model=` adds that detector's run;
    `persons=` the persons it depicts; `age=` how long ago it arrived."""

    class Meta:
        skip_postgeneration_save = True

    class Params:
        age = timedelta(0)

    status = ClipStatus.AWAITING_REVIEW
    score = 0.9
    priority = factory.LazyAttribute(lambda o: 100 * (o.score or 0))
    created_at = factory.LazyAttribute(lambda o: timezone.now() - o.age)

    @factory.post_generation
    def model(clip, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create and extracted is not None:
            DetectionRunFactory(clip=clip, model=extracted, **kwargs)

    @factory.post_generation
    def reports(clip, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        count = 1 if extracted is None else extracted
        if create:
            for _ in range(count):
                ReportFactory(clip=clip, **kwargs)

    @factory.post_generation
    def persons(clip, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create and extracted:
            # As a report naming them does (desk.ingest): attached and recorded as depicted.
            depict(clip, list(extracted), source=DepictionSource.REPORT)


# --- Clips people worked on: through the services ---------------------------------------------


def claimed_clip(by: AbstractBaseUser | None = None, **fields: object) -> Clip:
    """A scored clip `by` (a new moderator if None) opened for review: in review, held."""
    by = by or UserFactory(role=Role.MODERATOR)
    clip = ScoredClipFactory(**fields)
    return claim_clip(clip.pk, by).clip


def _decide(clip: Clip, by: AbstractBaseUser, request: DecisionRequest) -> Clip:
    claim_clip(clip.pk, by)
    apply_decision(clip.pk, by, request)
    clip.refresh_from_db()
    return clip


def escalated_clip(
    by: AbstractBaseUser | None = None, reason: str = "Needs a senior", **fields: object
) -> Clip:
    """A scored clip a moderator claimed and escalated through the decision service."""
    by = by or UserFactory(role=Role.MODERATOR)
    return _decide(ScoredClipFactory(**fields), by, DecisionRequest("escalate", reason=reason))


def decided_clip(
    action: str = DecisionAction.APPROVE,
    by: AbstractBaseUser | None = None,
    *,
    labels: Sequence[str] = (),
    reason: str = "",
    note: str = "",
    **fields: object,
) -> Clip:
    """A scored clip claimed and decided with `action` by `by` (a new moderator if None), with
    its Decision row, audit events and webhooks, as the desk writes them. A label decision
    defaults to the face-swap label and a removal to a reason, which the service requires.
    (A two-person policy covering the clip leaves it awaiting confirmation, as on the desk.)"""
    by = by or UserFactory(role=Role.MODERATOR)
    if action == DecisionAction.LABEL and not labels:
        labels = ("face-swap",)
    if action in (DecisionAction.REMOVE, DecisionAction.ESCALATE) and not reason:
        reason = "Against the impersonation policy"
    request = DecisionRequest(action, labels=tuple(labels), note=note, reason=reason)
    return _decide(ScoredClipFactory(**fields), by, request)
