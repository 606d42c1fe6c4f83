"""Services announce their changes through the outbox, in the transaction of the change."""

from pathlib import Path

import pytest
from django.core.files import File

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionError, DecisionRequest, apply_decision
from dashboard.models import Clip
from desk.ingest import Submission, ingest_upload
from detection import tasks as detection_tasks
from detection.registry import Manifest, register_model
from integrations import events
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.detection.conftest import SPEC, build_onnx
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(db) -> WebhookEndpoint:
    # Nothing listens on this port: these tests never send, they look at the outbox.
    return WebhookEndpoint.objects.create(
        name="all",
        url="http://127.0.0.1:9/hook",
        events=["clip.scored", "clip.decided", "clip.escalated", "clip.failed"],
    )


def held_clip(user) -> int:
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, user)
    return clip.pk


@pytest.mark.parametrize(
    ("action", "reason", "event_type"),
    [
        ("approve", "", "clip.decided"),
        ("remove", "harmful", "clip.decided"),
        ("escalate", "unsure", "clip.escalated"),
    ],
)
def test_decision_is_announced_after_commit(
    listener, moderator, django_capture_on_commit_callbacks, action, reason, event_type
):
    clip_id = held_clip(moderator)
    with django_capture_on_commit_callbacks() as callbacks:
        decision = apply_decision(clip_id, moderator, DecisionRequest(action=action, reason=reason))
    event = WebhookEvent.objects.get()
    assert event.event_type == event_type
    assert event.clip_id == clip_id
    assert event.payload["data"]["action"] == action
    assert event.payload["data"]["decision"] == decision.pk
    assert event.payload["clip"]["status"] == decision.clip.status
    assert "moderator" not in event.payload["data"] and "note" not in event.payload["data"]
    assert WebhookDelivery.objects.filter(event=event, endpoint=listener).count() == 1
    # the delivery; a removal also enqueues provenance banking after commit
    assert len(callbacks) == (2 if action == "remove" else 1)


def test_refused_decision_announces_nothing(listener, moderator, moderator2):
    clip_id = held_clip(moderator)
    with pytest.raises(DecisionError):
        apply_decision(clip_id, moderator2, DecisionRequest(action="approve"))
    assert WebhookEvent.objects.count() == 0


def test_rolled_back_decision_leaves_no_outbox_row(listener, moderator, monkeypatch):
    clip_id = held_clip(moderator)

    real_queue = events.queue_webhook_event

    def queue_then_fail(*args):
        real_queue(*args)
        raise RuntimeError("the decision's transaction fails after the outbox row")

    # The outbox row is written by integrations' decision_recorded hook (dashboard.hooks).
    monkeypatch.setattr(events, "queue_webhook_event", queue_then_fail)
    with pytest.raises(RuntimeError):
        apply_decision(clip_id, moderator, DecisionRequest(action="approve"))
    assert WebhookEvent.objects.count() == 0
    assert Clip.objects.get(pk=clip_id).status == ClipStatus.IN_REVIEW


def _ingest(path: Path):
    with path.open("rb") as fh:
        return ingest_upload(File(fh, name=path.name), Submission(), None).clip


def test_scoring_announces_clip_scored(listener, tmp_path, face_clip):
    manifest = Manifest.from_dict({"name": "tiny", "version": "1", **SPEC})
    register_model(build_onnx(tmp_path / "tiny.onnx"), manifest, activate=True)
    clip = _ingest(face_clip)
    assert detection_tasks.run_scoring(clip.pk).outcome == "scored"
    event = WebhookEvent.objects.get(event_type="clip.scored")
    assert event.payload["clip"]["status"] == "awaiting_review"
    assert event.payload["data"]["model"] == "tiny v1"
    assert 0.0 <= event.payload["data"]["score"] <= 1.0


def test_failed_scoring_announces_clip_failed(listener):
    clip = ClipFactory(status=ClipStatus.SCORING, scoring_job="job-1")
    detection_tasks._fail(clip.pk, "Unreadable media: truncated", "job-1")
    event = WebhookEvent.objects.get(event_type="clip.failed")
    assert event.payload["data"] == {"reason": "Unreadable media: truncated"}
    assert event.payload["clip"]["status"] == "failed"
