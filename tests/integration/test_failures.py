"""Failures a multi-machine deployment meets, each survived: dead workers, a dead broker,
simultaneous decisions and uploads, a database that goes away for a moment."""

import threading
import time
from pathlib import Path

import pytest
from django.core.files import File
from django.db import OperationalError, close_old_connections, connection

from config.celery import app as celery_app
from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionError, DecisionRequest, apply_decision
from dashboard.models import Clip, Decision, Report
from desk.ingest import Submission, ingest_upload
from detection import tasks
from detection.models import DetectionRun, RunStatus
from detection.registry import Manifest, register_model
from detection.synthetic import make_clip
from tests.detection.conftest import SPEC, build_onnx
from tests.factories import ClipFactory
from tests.integration.test_worker_redis import wait_for_status


def use_broker(monkeypatch, url: str) -> None:
    """Point this process's Celery app at another broker, dropping its cached connections."""
    monkeypatch.setattr(celery_app.conf, "broker_url", url)
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)


def activate_tiny_model(tmp_path: Path) -> None:
    manifest = Manifest.from_dict({"name": "tiny", "version": "1", **SPEC})
    register_model(build_onnx(tmp_path / "tiny.onnx"), manifest, activate=True)


def ingest(path: Path, user=None) -> Clip:
    with path.open("rb") as fh:
        return ingest_upload(File(fh, name=path.name), Submission(), user).clip


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    return make_clip(
        tmp_path_factory.mktemp("long") / "long.mp4",
        kind="face",
        seconds=24.0,
        size=(480, 270),
        seed=5,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_scoring_is_recovered_and_scores_once(
    redis_url, start_worker, long_clip, tmp_path
):
    activate_tiny_model(tmp_path)
    clip = ingest(long_clip)
    # Sample every frame so scoring lasts long enough to be interrupted; unacknowledged jobs
    # come back after 3 s instead of an hour.
    slow = {
        "UNMASK_SAMPLE_RATE": "25",
        "UNMASK_MAX_SAMPLED_FRAMES": "600",
        "UNMASK_BROKER_VISIBILITY_TIMEOUT_S": "3",
    }
    first = start_worker(**slow)
    with celery_app.connection_for_write(redis_url) as conn:
        tasks.score_clip.apply_async(args=[clip.pk], connection=conn)
    wait_for_status(clip.pk, ClipStatus.SCORING, timeout=60)
    time.sleep(0.5)
    first.kill()
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.SCORING
    assert not DetectionRun.objects.filter(clip=clip, status=RunStatus.DONE).exists()

    start_worker(**slow)
    scored = wait_for_status(clip.pk, ClipStatus.AWAITING_REVIEW, timeout=120)
    assert scored.score is not None
    assert DetectionRun.objects.filter(clip=clip).count() == 1
    assert DetectionRun.objects.get(clip=clip).status == RunStatus.DONE
    assert not Clip.objects.filter(status=ClipStatus.SCORING).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_uploads_succeed_while_the_broker_is_down_and_score_once_it_is_back(
    redis_url, start_worker, face_clip, tmp_path, api_client_for, reporter, monkeypatch
):
    activate_tiny_model(tmp_path)
    # A broker address where nothing listens.
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    use_broker(monkeypatch, dead)
    started = time.monotonic()
    with face_clip.open("rb") as fh:
        response = api_client_for(reporter).post(
            "/api/v1/clips/", {"file": File(fh, name="face.mp4")}, format="multipart"
        )
    assert response.status_code == 201, response.content
    assert time.monotonic() - started < 15
    clip = Clip.objects.get(public_id=response.json()["id"])
    assert clip.status == ClipStatus.QUEUED and clip.enqueued_at is None

    # The broker is back: the beat's reaper re-sends the job and a worker scores the clip.
    use_broker(monkeypatch, redis_url)
    start_worker()
    assert tasks.requeue_stale()["resent"] == 1
    wait_for_status(clip.pk, ClipStatus.AWAITING_REVIEW)
    assert DetectionRun.objects.filter(clip=clip).count() == 1


def _run_together(*calls):
    """Start every call at the same instant on its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each side got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    close_old_connections()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_the_same_instant_land_once(moderator):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    version = Clip.objects.get(pk=clip.pk).version
    results = _run_together(
        lambda: apply_decision(
            clip.pk, moderator, DecisionRequest("approve", expected_version=version)
        ),
        lambda: apply_decision(
            clip.pk, moderator, DecisionRequest("remove", reason="policy", expected_version=version)
        ),
    )
    decisions = [r for r in results if isinstance(r, Decision)]
    conflicts = [r for r in results if isinstance(r, DecisionError)]
    assert len(decisions) == 1 and len(conflicts) == 1, results
    assert conflicts[0].status == 409
    assert Decision.objects.filter(clip=clip).count() == 1


@pytest.mark.django_db(transaction=True)
def test_same_bytes_uploaded_at_the_same_instant_make_one_clip_two_reports(
    face_clip, isolated_media
):
    results = _run_together(lambda: ingest(face_clip), lambda: ingest(face_clip))
    assert all(isinstance(r, Clip) for r in results), results
    assert Clip.objects.count() == 1
    assert Report.objects.count() == 2
    assert len(list(isolated_media.rglob("*.mp4"))) == 1


@pytest.mark.django_db
def test_database_briefly_unavailable_the_task_retries_and_completes(
    face_clip, tmp_path, monkeypatch
):
    activate_tiny_model(tmp_path)
    clip = ingest(face_clip)
    real = tasks.run_scoring
    calls = []

    def flaky(clip_id, job_id=""):
        calls.append(job_id)
        if len(calls) <= 2:
            raise OperationalError("could not connect to server: Connection refused")
        return real(clip_id, job_id)

    monkeypatch.setattr(tasks, "run_scoring", flaky)
    result = tasks.score_clip.apply(args=[clip.pk])
    assert result.get() == "scored"
    assert len(calls) == 3
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW
    assert tasks.score_clip.max_retries >= 3 and tasks.score_clip.retry_backoff
