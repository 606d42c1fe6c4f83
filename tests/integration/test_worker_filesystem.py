"""The whole worker killed on the filesystem broker (`make run`'s): its in-flight message is lost
with it, and the clip is scored again within a minute, once, by the next worker to start."""

import time

import pytest
from kombu import Connection

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip
from detection import tasks
from detection.models import DetectionRun, RunStatus
from tests.integration.test_failures import activate_tiny_model, ingest, long_clip  # noqa: F401
from tests.integration.test_worker_redis import wait_for_status


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killed_worker_on_the_filesystem_broker_is_recovered_within_a_minute(
    start_worker,
    long_clip,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    activate_tiny_model(tmp_path)
    clip = ingest(long_clip)
    broker_dir = tmp_path / "broker"
    broker_dir.mkdir()
    env = {
        "UNMASK_TEST_BROKER_URL": "filesystem://",
        "UNMASK_TEST_BROKER_DIR": str(broker_dir),
        # Sample every frame so scoring lasts long enough to be interrupted.
        "UNMASK_SAMPLE_RATE": "25",
        "UNMASK_MAX_SAMPLED_FRAMES": "600",
        "UNMASK_SCORING_LEASE_S": "10",
        "UNMASK_SCORING_HEARTBEAT_S": "2",
    }
    first = start_worker(**env)
    options = {
        "data_folder_in": str(broker_dir),
        "data_folder_out": str(broker_dir),
        "control_folder": f"{broker_dir}-control",
    }
    with Connection("filesystem://", transport_options=options) as conn:
        tasks.score_clip.apply_async(args=[clip.pk], connection=conn)
    wait_for_status(clip.pk, ClipStatus.SCORING, timeout=90)
    # Kill it mid-way: as soon as it reports progress (a fast host scores the clip in seconds).
    deadline = time.monotonic() + 30
    while Clip.objects.get(pk=clip.pk).scoring_done == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    first.kill()
    killed_at = time.monotonic()
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.SCORING
    assert not DetectionRun.objects.filter(clip=clip, status=RunStatus.DONE).exists()

    # The dead worker's lease lapses within UNMASK_SCORING_LEASE_S of its last heartbeat; the
    # next worker to start sweeps at once, re-queues the clip and scores it.
    while Clip.objects.get(pk=clip.pk).scoring_lease_until.timestamp() > time.time():
        time.sleep(0.5)
    start_worker(**env)
    scored = wait_for_status(clip.pk, ClipStatus.AWAITING_REVIEW, timeout=120)
    assert time.monotonic() - killed_at < 60 + 60  # the lease, plus a worker's start on CI
    assert scored.score is not None
    assert DetectionRun.objects.filter(clip=clip, status=RunStatus.DONE).count() == 1
    assert AuditEvent.objects.filter(clip=clip, action="scoring.finished").count() == 1
    assert AuditEvent.objects.filter(clip=clip, action="scoring.lease_expired").count() == 1
