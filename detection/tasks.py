"""Celery tasks that score clips, and the functions they run (callable directly in tests).

A scoring job takes a clip id, claims the clip through the state machine with a lease, skips
work its model version already did, and finishes the clip through the state machine. A second
delivery of the same job finds the run already made; a clip whose worker died is taken over by
the redelivered job or, once its lease expires, re-queued by `requeue_stale_clips`.

The lease is short (`UNMASK_SCORING_LEASE`, 45 s) because a job that is alive keeps renewing it
(a heartbeat every `UNMASK_SCORING_HEARTBEAT`, from the scoring loop's progress): when a whole
worker is killed (with the filesystem broker its in-flight message is lost with it) the clip is
back in the queue within a minute, by the beat's sweep or by the sweep every worker runs when it
starts. A job that finds its lease taken over stops, and only the job holding the lease finishes
or fails the clip, so the result lands once.

The review rendition job (`make_review_rendition`, body in `detection.renditions`) and its
sweeper (`resend_renditions`) are declared here too, with the same policy, and so are the remote
providers' calls (`call_detection_provider`, body in `detection.providers`) and their sweeper
(`resend_provider_calls`).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from celery.signals import worker_ready
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from dashboard.constants import SCORING_STATES, ClipEvent, ClipStatus
from dashboard.events import announce
from dashboard.jobs import enqueue, enqueue_on_commit, job, periodic_job
from dashboard.models import Clip, ReviewRendition
from dashboard.priority import compute_priority
from dashboard.workflow import TransitionError, record_event, transition
from detection import providers, renditions
from detection.faces import FaceDetector
from detection.frames import UnreadableMediaError
from detection.inference import ModelOutputError, ModelValidationError, get_classifier
from detection.models import DetectionRun, DetectorModel, FaceCrop, RunStatus
from detection.pipeline import ScoreResult, score_video
from detection.probe import MediaLimits
from detection.registry import model_local_path
from detection.rendition import RenditionError
from detection.scoring import SCORING_RULES_VERSION, aggregation_rule
from detection.storage_io import local_path

logger = logging.getLogger(__name__)

ACTOR = "task:score_clip"
PROGRESS_EVERY_S = 1.0

_detector: FaceDetector | None = None


def _face_detector() -> FaceDetector:
    # One detector per worker process: loading the network costs more than a frame.
    global _detector
    if _detector is None:
        _detector = FaceDetector()
    return _detector


class LeaseLost(RuntimeError):
    """Another job holds the clip's scoring lease now; this one must stop without writing."""


class NoActiveModelError(RuntimeError):
    """No detector model is active; clips wait queued until an operator activates one."""


@dataclass(frozen=True)
class ScoringOutcome:
    clip_id: int
    outcome: str  # scored, already_scored, skipped, failed, rescored
    detail: str = ""


def _scoring_job(clip_id: int) -> dict[str, object]:
    # `Clip.enqueued_at` is the marker: unset (or old) on a queued clip, the reaper re-sends.
    return {
        "what": f"Scoring job for clip {clip_id}",
        "resent_by": "detection.tasks.requeue_stale_clips",
        "on_sent": lambda: Clip.objects.filter(pk=clip_id).update(enqueued_at=timezone.now()),
    }


def enqueue_scoring(clip_id: int) -> bool:
    """Send the scoring job now; on a broker failure it is left for the reaper (logged)."""
    return enqueue(score_clip, [clip_id], **_scoring_job(clip_id))


def enqueue_scoring_on_commit(clip_id: int) -> None:
    enqueue_on_commit(score_clip, [clip_id], **_scoring_job(clip_id))


def _claim(clip_id: int, job_id: str) -> Clip | None:
    """Move a queued clip to scoring with a lease, or take over this same job's lease."""
    now = timezone.now()
    lease = {
        "scoring_lease_until": now + settings.UNMASK_SCORING_LEASE,
        "scoring_job": job_id,
        "scoring_done": 0,
        "scoring_total": 0,
    }
    clip = Clip.objects.get(pk=clip_id)
    if clip.status == ClipStatus.SCORING:
        same_job = bool(job_id) and clip.scoring_job == job_id
        expired = clip.scoring_lease_until is None or clip.scoring_lease_until < now
        if not (same_job or expired):
            return None
        taken = Clip.objects.filter(
            pk=clip_id, status=ClipStatus.SCORING, scoring_job=clip.scoring_job
        ).update(**lease)
        if not taken:
            return None
        record_event(clip, "scoring.taken_over", actor_label=ACTOR, data={"job": job_id})
        return Clip.objects.get(pk=clip_id)
    try:
        return transition(
            clip_id,
            ClipStatus.SCORING,
            actor_label=ACTOR,
            action="scoring.started",
            expected_from=(ClipStatus.QUEUED,),
            fields=lease,
        ).clip
    except TransitionError:
        return None


def _progress_writer(clip_id: int) -> Callable[[int, int], None]:
    last = 0.0

    def write(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done < total and now - last < PROGRESS_EVERY_S:
            return
        last = now
        Clip.objects.filter(pk=clip_id).update(scoring_done=done, scoring_total=total)

    return write


def renew_scoring_lease(clip_id: int, job_id: str) -> bool:
    """Extend `job_id`'s lease on a scoring clip; False when the clip is no longer its to score."""
    return bool(
        Clip.objects.filter(pk=clip_id, status=ClipStatus.SCORING, scoring_job=job_id).update(
            scoring_lease_until=timezone.now() + settings.UNMASK_SCORING_LEASE
        )
    )


def _with_heartbeat(
    clip_id: int, job_id: str, progress: Callable[[int, int], None] | None = None
) -> Callable[[int, int], None]:
    """A progress callback that also renews the lease every UNMASK_SCORING_HEARTBEAT.

    Raises LeaseLost from inside the scoring loop when another job took the clip over.
    """
    every_s = settings.UNMASK_SCORING_HEARTBEAT.total_seconds()
    last = time.monotonic()

    def beat(done: int, total: int) -> None:
        nonlocal last
        if progress is not None:
            progress(done, total)
        now = time.monotonic()
        if now - last < every_s:
            return
        last = now
        if not renew_scoring_lease(clip_id, job_id):
            raise LeaseLost(f"clip {clip_id}: another job holds the scoring lease")

    return beat


def _hold_lease(clip_id: int, job_id: str) -> None:
    """Inside the transaction that finishes or fails the clip: lock it, check it is still ours."""
    if (
        not Clip.objects.select_for_update()
        .filter(pk=clip_id, status=ClipStatus.SCORING, scoring_job=job_id)
        .exists()
    ):
        raise LeaseLost(f"clip {clip_id}: another job holds the scoring lease")


def score_file(
    path: str, model: DetectorModel, progress: Callable[[int, int], None] | None = None
) -> ScoreResult:
    """Score the media at `path` with `model` exactly as a worker does (same settings)."""
    classifier = get_classifier(
        str(model_local_path(model)),
        {"input": model.input_spec, "output": model.output_spec},
        model.sha256,
        intra_threads=settings.UNMASK_ORT_INTRA_THREADS,
        inter_threads=settings.UNMASK_ORT_INTER_THREADS,
    )
    return score_video(
        path,
        classifier,
        _face_detector(),
        rate=settings.UNMASK_SAMPLE_RATE,
        max_frames=settings.UNMASK_MAX_SAMPLED_FRAMES,
        top_k=settings.UNMASK_TOP_K,
        decoder_threads=settings.UNMASK_DECODER_THREADS,
        progress=progress,
        limits=MediaLimits.from_settings(settings),
    )


def _run_model(
    clip: Clip,
    model: DetectorModel,
    *,
    shadow: bool,
    progress: Callable[[int, int], None] | None,
) -> DetectionRun:
    """Score `clip` with `model` unless that version already did under the current rules."""
    run, _ = DetectionRun.objects.get_or_create(
        clip=clip,
        model=model,
        rules_version=SCORING_RULES_VERSION,
        defaults={"is_shadow": shadow, "threshold": model.threshold},
    )
    if run.status == RunStatus.DONE:
        return run
    with local_path(default_storage, clip.file.name, suffix=".video") as path:
        result = score_file(str(path), model, progress)
    _save_result(run, model, result)
    return run


def _save_result(run: DetectionRun, model: DetectorModel, result: ScoreResult) -> None:
    with transaction.atomic():
        run.status = RunStatus.DONE
        run.clip_score = result.clip_score
        run.abstained = result.abstained
        run.counts = result.counts
        run.threshold = model.threshold
        run.frames_total = result.frames_scored
        run.frames_scored = result.frames_scored
        run.faces_found = result.faces_found
        run.frames_without_face = result.frames_without_face
        run.timeline = result.timeline
        run.timings_ms = result.timings_ms
        run.aggregation = aggregation_rule(settings.UNMASK_TOP_K)
        run.error = ""
        run.finished_at = timezone.now()
        run.save()
        run.crops.all().delete()
        FaceCrop.objects.bulk_create(
            FaceCrop(run=run, rank=rank, time_s=crop["t"], score=crop["score"], jpeg=crop["jpeg"])
            for rank, crop in enumerate(result.top_crops)
        )


def _score_text(run: DetectionRun) -> str:
    return "no face found" if run.clip_score is None else f"{run.clip_score:.3f}"


def _run_shadows(clip: Clip, progress: Callable[[int, int], None] | None = None) -> None:
    for shadow in DetectorModel.objects.shadows():
        try:
            _run_model(clip, shadow, shadow=True, progress=progress)
        except (UnreadableMediaError, LeaseLost):
            raise
        except Exception:
            # A shadow model is on trial: its failure is logged, never the clip's.
            logger.exception("Shadow model %s failed on clip %s", shadow.label, clip.pk)


@transaction.atomic
def _fail(clip_id: int, reason: str, job_id: str) -> None:
    # The webhook outbox row commits with the status change, or neither does.
    _hold_lease(clip_id, job_id)
    transition(
        clip_id,
        ClipStatus.FAILED,
        actor_label=ACTOR,
        action="scoring.failed",
        expected_from=(ClipStatus.SCORING,),
        fields={"failure_reason": reason[:500], "scoring_lease_until": None, "scoring_job": ""},
        data={"reason": reason[:500]},
    )
    announce(ClipEvent.CLIP_FAILED, clip_id, {"reason": reason[:500]})


def run_scoring(clip_id: int, job_id: str = "") -> ScoringOutcome:
    """Score a queued clip with the active model (and shadows) and hand it to the desk."""
    model = DetectorModel.objects.active()
    if model is None:
        raise NoActiveModelError("No active detector model; activate one in the admin.")
    clip = _claim(clip_id, job_id)
    if clip is None:
        return ScoringOutcome(clip_id, "skipped", "not queued, or another job holds the lease")
    try:
        return _score_claimed(clip, model, job_id)
    except LeaseLost as exc:
        return ScoringOutcome(clip_id, "skipped", str(exc))


def _score_claimed(clip: Clip, model: DetectorModel, job_id: str) -> ScoringOutcome:
    clip_id = clip.pk
    try:
        heartbeat = _with_heartbeat(clip_id, job_id, _progress_writer(clip_id))
        run = _run_model(clip, model, shadow=False, progress=heartbeat)
        _run_shadows(clip, _with_heartbeat(clip_id, job_id))
    except (UnreadableMediaError, ModelValidationError, ModelOutputError) as exc:
        # Permanent: retrying the same bytes with the same model gives the same answer. The
        # clip fails with its reason; an operator re-queues it once the cause is fixed.
        what = "Unreadable media" if isinstance(exc, UnreadableMediaError) else "Detector error"
        DetectionRun.objects.filter(
            clip=clip, model=model, rules_version=SCORING_RULES_VERSION
        ).update(status=RunStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now())
        _fail(clip_id, f"{what}: {exc}", job_id)
        return ScoringOutcome(clip_id, "failed", str(exc))

    clip.refresh_from_db()
    clip.score = run.clip_score
    _finish(clip, model, run, job_id)
    return ScoringOutcome(clip_id, "scored", f"{model.label}: {_score_text(run)}")


@transaction.atomic
def _finish(clip: Clip, model: DetectorModel, run: DetectionRun, job_id: str) -> None:
    """Hand the scored clip to the desk and announce it, in one transaction."""
    _hold_lease(clip.pk, job_id)
    transition(
        clip.pk,
        ClipStatus.AWAITING_REVIEW,
        actor_label=ACTOR,
        action="scoring.finished",
        expected_from=(ClipStatus.SCORING,),
        fields={
            "score": run.clip_score,
            "priority": compute_priority(clip),
            "scoring_lease_until": None,
            "scoring_job": "",
            "scoring_done": run.frames_scored,
            "scoring_total": run.frames_scored,
            "failure_reason": "",
        },
        data={
            "model": model.label,
            "score": run.clip_score,
            "run": run.pk,
            "abstained": run.abstained,
        },
    )
    announce(
        ClipEvent.CLIP_SCORED,
        clip.pk,
        {"model": model.label, "score": run.clip_score, "threshold": run.threshold},
    )


def run_rescoring(clip_id: int, model_id: int | None = None) -> ScoringOutcome:
    """Score a clip with a (newly activated) model version without moving it in the workflow."""
    model = DetectorModel.objects.get(pk=model_id) if model_id else DetectorModel.objects.active()
    if model is None:
        raise NoActiveModelError("No active detector model; activate one in the admin.")
    clip = Clip.objects.get(pk=clip_id)
    if clip.status in SCORING_STATES:
        return ScoringOutcome(clip_id, "skipped", "clip is waiting for its first scoring")
    if DetectionRun.objects.filter(
        clip=clip, model=model, rules_version=SCORING_RULES_VERSION, status=RunStatus.DONE
    ).exists():
        return ScoringOutcome(clip_id, "already_scored", model.label)
    try:
        run = _run_model(clip, model, shadow=not model.is_active, progress=None)
    except (UnreadableMediaError, ModelValidationError, ModelOutputError) as exc:
        return ScoringOutcome(clip_id, "failed", str(exc))
    if model.is_active:
        clip.score = run.clip_score
        Clip.objects.filter(pk=clip_id).update(
            score=run.clip_score, priority=compute_priority(clip)
        )
    record_event(
        clip,
        "scoring.rescored",
        actor_label="task:rescore_clip",
        data={"model": model.label, "score": run.clip_score, "run": run.pk},
    )
    return ScoringOutcome(clip_id, "rescored", f"{model.label}: {_score_text(run)}")


def requeue_stale(now: timezone.datetime | None = None) -> dict[str, int]:
    """Return clips whose scoring lease expired to the queue, and re-send unsent jobs."""
    now = now or timezone.now()
    requeued = 0
    for clip_id in Clip.objects.filter(
        status=ClipStatus.SCORING, scoring_lease_until__lt=now
    ).values_list("pk", flat=True):
        try:
            transition(
                clip_id,
                ClipStatus.QUEUED,
                actor_label="task:requeue_stale_clips",
                action="scoring.lease_expired",
                expected_from=(ClipStatus.SCORING,),
                fields={"scoring_lease_until": None, "scoring_job": "", "enqueued_at": None},
            )
            requeued += 1
        except TransitionError:
            continue
    resend_before = now - settings.UNMASK_SCORING_RESEND_AFTER
    resent = 0
    for clip_id in Clip.objects.filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=resend_before),
        status=ClipStatus.QUEUED,
    ).values_list("pk", flat=True):
        resent += int(enqueue_scoring(clip_id))
    return {"requeued": requeued, "resent": resent}


@job(bind=True, time_limit=600, retry_on=(NoActiveModelError,))
def score_clip(self, clip_id: int) -> str:  # noqa: ANN001 - Celery binds the task
    return run_scoring(clip_id, job_id=self.request.id or "").outcome


@job(bind=True, time_limit=600)
def rescore_clip(self, clip_id: int, model_id: int | None = None) -> str:  # noqa: ANN001
    return run_rescoring(clip_id, model_id).outcome


@periodic_job(time_limit=120)
def requeue_stale_clips() -> dict[str, int]:
    try:
        return requeue_stale()
    except DatabaseError:
        logger.exception("Reaper could not reach the database; next beat retries")
        return {"requeued": 0, "resent": 0}


@worker_ready.connect
def sweep_when_a_worker_starts(**_kwargs: object) -> None:
    """A (re)started worker sweeps at once: clips its dead predecessor held come back."""
    enqueue(
        requeue_stale_clips,
        [],
        what="The starting worker's scoring sweep",
        resent_by="the beat's requeue-expired-scoring (every 15 s)",
    )


# --- Review renditions (detection/renditions.py) ---------------------------------------------


def _rendition_job(clip_id: int) -> dict[str, object]:
    # `ReviewRendition.enqueued_at` is the marker: unset (or stale) on an unfinished row.
    return {
        "what": f"Rendition job for clip {clip_id}",
        "resent_by": "detection.tasks.resend_renditions",
        "on_sent": lambda: ReviewRendition.objects.filter(clip_id=clip_id).update(
            enqueued_at=timezone.now()
        ),
    }


def request_rendition_on_commit(clip: Clip, path: Path) -> None:
    """At ingest, in the clip's transaction: write its rendition row, send the job on commit."""
    renditions.open_rendition(clip, path)
    enqueue_on_commit(make_review_rendition, [clip.pk], **_rendition_job(clip.pk))


def resend_unfinished_renditions() -> dict[str, int]:
    opened = renditions.open_missing_renditions()
    gave_up = renditions.give_up_on_stuck()
    resent = sum(
        int(enqueue(make_review_rendition, [clip_id], **_rendition_job(clip_id)))
        for clip_id in renditions.rows_to_resend()
    )
    return {"opened": opened, "resent": resent, "gave_up": gave_up}


@job(
    time_limit=settings.UNMASK_RENDITION_TIME_LIMIT_S,
    throws=(RenditionError,),
    max_retries=renditions.MAX_ATTEMPTS,
)
def make_review_rendition(clip_id: int) -> str:
    return renditions.run_rendition(clip_id).outcome


@periodic_job(time_limit=120)
def resend_renditions() -> dict[str, int]:
    try:
        return resend_unfinished_renditions()
    except DatabaseError:
        logger.exception("Rendition sweeper could not reach the database; next beat retries")
        return {"opened": 0, "resent": 0, "gave_up": 0}


# --- Remote detection providers (detection/providers.py) -------------------------------------


def send_provider_call(clip_id: int, provider_id: int, countdown: float | None = None) -> bool:
    """Send the (clip, provider) job; on a broker failure the sweeper sends it (logged).

    The `ProviderScore` row is its own marker: one still pending past its time is re-sent.
    """
    return enqueue(
        call_detection_provider,
        [clip_id, provider_id],
        what=f"Provider call for clip {clip_id}, provider {provider_id}",
        resent_by="detection.tasks.resend_provider_calls",
        countdown=countdown,
    )


def open_provider_calls_on_commit(clip: Clip | int) -> None:
    """In the scoring transaction: a row per enabled provider, its job sent on commit."""
    for clip_id, provider_id in providers.open_rows(clip):
        enqueue_on_commit(
            call_detection_provider,
            [clip_id, provider_id],
            what=f"Provider call for clip {clip_id}, provider {provider_id}",
            resent_by="detection.tasks.resend_provider_calls",
        )


# The soft limit outlasts the longest allowed call (MAX_TIMEOUT_S for connect and read).
@job(time_limit=int(providers.MAX_TIMEOUT_S * 2 + 30), max_retries=3)
def call_detection_provider(clip_id: int, provider_id: int) -> str:
    outcome = providers.attempt(clip_id, provider_id)
    if outcome.retry_in is not None:
        send_provider_call(clip_id, provider_id, countdown=outcome.retry_in)
    return outcome.outcome


@periodic_job(time_limit=60)
def resend_provider_calls() -> int:
    try:
        pairs = providers.rows_to_resend()
    except DatabaseError:
        logger.exception("Provider sweeper could not reach the database; next beat retries")
        return 0
    return sum(send_provider_call(clip_id, provider_id) for clip_id, provider_id in pairs)
