"""A real Celery worker process on Redis scores an uploaded clip end to end."""

import time

import pytest
from django.core.files import File

from config.celery import app as celery_app
from dashboard.constants import ClipStatus
from dashboard.models import Clip
from desk.ingest import Submission, ingest_upload
from detection.models import DetectionRun
from detection.registry import Manifest, register_model
from detection.tasks import score_clip
from tests.detection.conftest import SPEC, build_onnx


def wait_for_status(clip_id: int, status: str, timeout: float = 90.0) -> Clip:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        clip = Clip.objects.get(pk=clip_id)
        if clip.status == status:
            return clip
        time.sleep(0.25)
    raise AssertionError(f"clip stayed {Clip.objects.get(pk=clip_id).status}, wanted {status}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_on_redis_scores_a_clip_end_to_end(redis_url, start_worker, face_clip, tmp_path):
    manifest = Manifest.from_dict({"name": "tiny", "version": "1", **SPEC})
    register_model(build_onnx(tmp_path / "tiny.onnx"), manifest, activate=True)
    with face_clip.open("rb") as fh:
        clip = ingest_upload(File(fh, name="face.mp4"), Submission(), None).clip
    worker = start_worker()
    with celery_app.connection_for_write(redis_url) as conn:
        score_clip.apply_async(args=[clip.pk], connection=conn)
        score_clip.apply_async(args=[clip.pk], connection=conn)  # a duplicate delivery
    scored = wait_for_status(clip.pk, ClipStatus.AWAITING_REVIEW)
    assert scored.score is not None
    time.sleep(1.0)  # let the duplicate job run too
    assert DetectionRun.objects.filter(clip=clip).count() == 1
    assert worker.proc.poll() is None, (tmp_path / "worker.log").read_text()
