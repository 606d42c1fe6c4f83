"""Scoring jobs against the database: claim, score, persist, fail cleanly, stay idempotent."""

from datetime import timedelta
from pathlib import Path

import pytest
from celery.signals import worker_ready
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip
from dashboard.priority import LEVEL_POINTS, REPORT_WEIGHT, priority_breakdown
from dashboard.signals import SuspicionLevel
from dashboard.workflow import transition
from desk.ingest import Submission, ingest_upload
from detection import tasks
from detection.inference import clear_classifier_cache
from detection.models import DetectionRun, RunStatus
from detection.registry import Manifest, activate_model, model_local_path, register_model
from detection.scoring import SCORING_RULES_VERSION
from tests import hostile
from tests.detection.conftest import SPEC, build_onnx

pytestmark = pytest.mark.django_db


def manifest(version: str, threshold: float = 0.5) -> Manifest:
    return Manifest.from_dict({"name": "tiny", "version": version, "threshold": threshold, **SPEC})


@pytest.fixture
def active_model(tmp_path):
    path = build_onnx(tmp_path / "tiny-1.onnx")
    return register_model(path, manifest("1"), activate=True)


def ingest(path: Path, user=None) -> Clip:
    with path.open("rb") as fh:
        return ingest_upload(File(fh, name=path.name), Submission(), user).clip


def test_face_clip_is_scored_and_handed_to_the_desk(active_model, face_clip):
    clip = ingest(face_clip)
    outcome = tasks.run_scoring(clip.pk, job_id="job-1")
    assert outcome.outcome == "scored"
    clip.refresh_from_db()
    run = DetectionRun.objects.get(clip=clip)
    assert clip.status == ClipStatus.AWAITING_REVIEW
    assert run.status == RunStatus.DONE and run.model == active_model
    assert run.frames_scored > 0 and run.faces_found > 0
    assert 0.0 <= run.clip_score <= 1.0
    assert clip.score == run.clip_score
    # One report (8) and, the tiny model being unvalidated, its score above the threshold is a
    # weak hint (15): the raw score itself adds nothing (dashboard/priority.py).
    assert run.clip_score >= run.threshold
    assert clip.priority == REPORT_WEIGHT + LEVEL_POINTS[SuspicionLevel.WEAK]
    assert run.rules_version == SCORING_RULES_VERSION and run.abstained == ""
    assert run.counts["frames_with_face"] == run.frames_scored
    assert [p["t"] for p in run.timeline] == sorted(p["t"] for p in run.timeline)
    assert any(point["face_found"] for point in run.timeline)
    crops = list(run.crops.all())
    assert crops and bytes(crops[0].jpeg[:2]) == b"\xff\xd8"
    assert set(run.timings_ms) >= {"decode", "faces", "inference", "total"}
    assert clip.scoring_done == clip.scoring_total == run.frames_scored
    actions = list(AuditEvent.objects.filter(clip=clip).values_list("action", flat=True))
    assert actions[-2:] == ["scoring.started", "scoring.finished"]


def test_clip_without_faces_gets_no_model_score(active_model, noface_clip):
    clip = ingest(noface_clip)
    outcome = tasks.run_scoring(clip.pk)
    assert outcome.outcome == "scored" and outcome.detail.endswith("no face found")
    run = DetectionRun.objects.get(clip=clip)
    clip.refresh_from_db()
    assert run.faces_found == 0
    assert run.frames_without_face == run.frames_scored > 0
    assert not any(point["face_found"] for point in run.timeline)
    assert run.clip_score is None and run.abstained == "no_face"
    assert run.counts["frames_sampled"] == run.frames_scored
    assert run.counts["frames_with_face"] == 0
    assert clip.status == ClipStatus.AWAITING_REVIEW
    assert clip.score is None
    # Priority (and so the SLA band) rests on the one report alone: the model has no say.
    assert clip.priority == REPORT_WEIGHT
    assert priority_breakdown(clip) == [
        ("Reports", REPORT_WEIGHT),
        ("Stated reach", 0.0),
        ("Protected person depicted", 0.0),
        ("Repeat uploader", 0.0),
        ("Suspicion level", 0.0),
        ("Detector score (trusted models only)", 0.0),
        ("Matches a removed known fake", 0.0),
    ]


def test_rescore_adds_a_run_under_the_new_rules_and_keeps_the_old(active_model, noface_clip):
    clip = ingest(noface_clip)
    tasks.run_scoring(clip.pk)
    # A run made before the abstain rule: the centre of faceless frames was scored.
    DetectionRun.objects.filter(clip=clip).update(
        rules_version=1, clip_score=0.97, abstained="", counts={}
    )
    Clip.objects.filter(pk=clip.pk).update(score=0.97)
    assert tasks.run_rescoring(clip.pk).outcome == "rescored"
    assert tasks.run_rescoring(clip.pk).outcome == "already_scored"
    old, new = DetectionRun.objects.filter(clip=clip).order_by("rules_version")
    assert (old.rules_version, old.clip_score) == (1, 0.97)
    assert (new.rules_version, new.clip_score, new.abstained) == (2, None, "no_face")
    clip.refresh_from_db()
    assert clip.active_run() == new
    assert clip.score is None


def test_corrupt_clip_fails_with_its_reason_and_no_retry(active_model, face_clip):
    clip = ingest(face_clip)
    # The stored bytes get damaged after ingest (a bad disk, a partial copy).
    with default_storage.open(clip.file.name, "wb") as fh:
        fh.write(face_clip.read_bytes()[:2000])
    outcome = tasks.run_scoring(clip.pk, job_id="job-1")
    assert outcome.outcome == "failed"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.FAILED
    assert clip.failure_reason.startswith("Unreadable media")
    assert DetectionRun.objects.get(clip=clip).status == RunStatus.FAILED
    # A failed clip can be re-queued through the state machine.
    transition(clip.pk, ClipStatus.QUEUED, actor_label="test")


def test_duplicate_delivery_makes_one_run(active_model, face_clip):
    clip = ingest(face_clip)
    first = tasks.run_scoring(clip.pk, job_id="job-1")
    second = tasks.run_scoring(clip.pk, job_id="job-1")
    assert (first.outcome, second.outcome) == ("scored", "skipped")
    assert DetectionRun.objects.filter(clip=clip).count() == 1


def test_redelivery_after_a_dead_worker_takes_over_the_lease(active_model, face_clip):
    clip = ingest(face_clip)
    # A worker claimed the clip under job-1 and died mid-run, leaving a running run behind.
    tasks._claim(clip.pk, "job-1")
    DetectionRun.objects.create(clip=clip, model=active_model)
    assert tasks.run_scoring(clip.pk, job_id="job-2").outcome == "skipped"
    assert tasks.run_scoring(clip.pk, job_id="job-1").outcome == "scored"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW
    assert DetectionRun.objects.filter(clip=clip, status=RunStatus.DONE).count() == 1


def test_expired_lease_is_requeued(active_model, face_clip, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.score_clip, "apply_async", lambda args: sent.append(args))
    clip = ingest(face_clip)
    tasks._claim(clip.pk, "job-1")
    Clip.objects.filter(pk=clip.pk).update(
        scoring_lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert tasks.requeue_stale() == {"requeued": 1, "resent": 1}
    clip.refresh_from_db()
    assert clip.status == ClipStatus.QUEUED and clip.enqueued_at is not None
    assert sent == [[clip.pk]]
    assert tasks.run_scoring(clip.pk, job_id="job-9").outcome == "scored"


def test_broker_down_leaves_clip_for_the_reaper(active_model, face_clip, monkeypatch):
    def broker_down(args):
        raise ConnectionRefusedError("broker unreachable")

    monkeypatch.setattr(tasks.score_clip, "apply_async", broker_down)
    clip = ingest(face_clip)
    assert tasks.enqueue_scoring(clip.pk) is False
    clip.refresh_from_db()
    assert clip.status == ClipStatus.QUEUED and clip.enqueued_at is None
    sent = []
    monkeypatch.setattr(tasks.score_clip, "apply_async", lambda args: sent.append(args))
    assert tasks.requeue_stale()["resent"] == 1
    assert sent == [[clip.pk]]


def test_rescoring_with_a_second_version_keeps_both_runs(active_model, face_clip, tmp_path):
    clip = ingest(face_clip)
    tasks.run_scoring(clip.pk)
    v2_path = build_onnx(tmp_path / "tiny-2.onnx", weights=(-1.0, 0.5, 2.0))
    v2 = register_model(v2_path, manifest("2"))
    activate_model(v2)
    assert tasks.run_rescoring(clip.pk).outcome == "rescored"
    assert tasks.run_rescoring(clip.pk).outcome == "already_scored"
    runs = {run.model.version: run for run in DetectionRun.objects.filter(clip=clip)}
    assert set(runs) == {"1", "2"}
    assert runs["1"].clip_score != runs["2"].clip_score
    clip.refresh_from_db()
    assert clip.score == runs["2"].clip_score
    assert clip.status == ClipStatus.AWAITING_REVIEW


def test_shadow_models_are_recorded_but_never_drive_the_score(active_model, face_clip, tmp_path):
    shadow = register_model(
        build_onnx(tmp_path / "shadow.onnx", weights=(3.0, 3.0, 3.0)),
        manifest("shadow"),
        shadow=True,
    )
    clip = ingest(face_clip)
    tasks.run_scoring(clip.pk)
    clip.refresh_from_db()
    active_run = DetectionRun.objects.get(clip=clip, model=active_model)
    shadow_run = DetectionRun.objects.get(clip=clip, model=shadow)
    assert shadow_run.is_shadow and not active_run.is_shadow
    assert shadow_run.clip_score != active_run.clip_score
    assert clip.score == active_run.clip_score


def test_no_active_model_keeps_the_clip_queued(face_clip):
    clip = ingest(face_clip)
    with pytest.raises(tasks.NoActiveModelError):
        tasks.run_scoring(clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.QUEUED


def test_celery_task_declares_its_delivery_policy():
    task = tasks.score_clip
    assert task.acks_late and task.reject_on_worker_lost
    assert task.soft_time_limit and task.time_limit > task.soft_time_limit
    assert tasks.NoActiveModelError in task.autoretry_for
    assert not any(
        issubclass(exc, Exception) and exc.__name__ == "UnreadableMediaError"
        for exc in task.autoretry_for
    )


def test_a_model_file_changed_since_registration_fails_the_clip_without_retry(
    active_model, face_clip
):
    clip = ingest(face_clip)
    clear_classifier_cache()
    path = model_local_path(active_model)
    path.write_bytes(path.read_bytes() + b"tampered")
    outcome = tasks.run_scoring(clip.pk, job_id="job-1")
    assert outcome.outcome == "failed"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.FAILED
    assert clip.failure_reason.startswith("Detector error")
    clear_classifier_cache()


def test_default_lease_is_short_and_renewed_by_a_heartbeat(settings):
    # A dead worker's clip comes back within a minute: lease + one sweep period.
    sweep_s = settings.CELERY_BEAT_SCHEDULE["requeue-expired-scoring"]["schedule"]
    assert settings.UNMASK_SCORING_LEASE.total_seconds() + sweep_s <= 60
    assert settings.UNMASK_SCORING_HEARTBEAT * 2 <= settings.UNMASK_SCORING_LEASE


def test_a_clip_whose_worker_died_is_requeued_within_a_minute(active_model, face_clip):
    clip = ingest(face_clip)
    claimed_at = timezone.now()
    tasks._claim(clip.pk, "job-1")  # ...and the whole worker was killed: no more heartbeats
    assert tasks.requeue_stale(now=claimed_at + timedelta(seconds=5))["requeued"] == 0
    assert tasks.requeue_stale(now=claimed_at + timedelta(seconds=60))["requeued"] == 1
    clip.refresh_from_db()
    assert clip.status == ClipStatus.QUEUED
    assert tasks.run_scoring(clip.pk, job_id="job-2").outcome == "scored"


def test_scoring_renews_its_lease_while_it_progresses(
    active_model, face_clip, settings, monkeypatch
):
    settings.UNMASK_SCORING_HEARTBEAT = timedelta(0)  # renew at every progress report
    clip = ingest(face_clip)
    leases = []
    real_renew = tasks.renew_scoring_lease

    def renew(clip_id, job_id):
        renewed = real_renew(clip_id, job_id)
        leases.append(Clip.objects.get(pk=clip_id).scoring_lease_until)
        return renewed

    monkeypatch.setattr(tasks, "renew_scoring_lease", renew)
    assert tasks.run_scoring(clip.pk, job_id="job-1").outcome == "scored"
    assert len(leases) >= 2 and leases == sorted(leases)
    assert leases[-1] > timezone.now() + settings.UNMASK_SCORING_LEASE - timedelta(seconds=30)


def test_a_job_whose_lease_was_taken_over_stops_and_the_result_lands_once(
    active_model, face_clip, settings, monkeypatch
):
    settings.UNMASK_SCORING_HEARTBEAT = timedelta(0)
    clip = ingest(face_clip)
    real_writer = tasks._progress_writer

    def writer_then_takeover(clip_id):
        write = real_writer(clip_id)

        def progress(done, total):
            write(done, total)
            if done:  # job-1 stalled past its lease: the sweeper re-queued, job-2 claimed
                Clip.objects.filter(pk=clip_id).update(scoring_job="job-2")

        return progress

    monkeypatch.setattr(tasks, "_progress_writer", writer_then_takeover)
    assert tasks.run_scoring(clip.pk, job_id="job-1").outcome == "skipped"
    monkeypatch.setattr(tasks, "_progress_writer", real_writer)
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.SCORING
    assert tasks.run_scoring(clip.pk, job_id="job-2").outcome == "scored"
    assert AuditEvent.objects.filter(clip=clip, action="scoring.finished").count() == 1


def test_a_stale_job_cannot_finish_a_clip_another_job_holds(active_model, face_clip):
    clip = ingest(face_clip)
    tasks._claim(clip.pk, "job-1")
    run = tasks._run_model(clip, active_model, shadow=False, progress=None)
    Clip.objects.filter(pk=clip.pk).update(scoring_job="job-2")  # taken over meanwhile
    with pytest.raises(tasks.LeaseLost):
        tasks._finish(Clip.objects.get(pk=clip.pk), active_model, run, "job-1")
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.SCORING
    assert not AuditEvent.objects.filter(clip=clip, action="scoring.finished").exists()


def test_a_starting_worker_sweeps_at_once(monkeypatch):
    sent = []
    monkeypatch.setattr(
        tasks.requeue_stale_clips, "apply_async", lambda *a, **kw: sent.append("sweep")
    )
    worker_ready.send(sender=None)
    assert sent == ["sweep"]


def test_worker_refuses_a_picture_over_the_limit_instead_of_decoding_it(
    active_model, tmp_path, settings
):
    path = hostile.resolution_switch_ts(tmp_path / "switch.ts", then=(1280, 720), then_frames=30)
    clip = ingest(path)  # within the limits at upload time
    settings.UNMASK_MAX_WIDTH, settings.UNMASK_MAX_HEIGHT = 640, 480  # lowered since
    outcome = tasks.run_scoring(clip.pk, job_id="job-1")
    assert outcome.outcome == "failed" and "1280×720" in outcome.detail
    clip.refresh_from_db()
    assert clip.status == ClipStatus.FAILED and "larger than the limit" in clip.failure_reason
