"""End to end: a clip of scenery with no face gets no model score and says so — in its run,
on the review page and in the API — while a face clip keeps its score, its validation status
and the aggregate rule beside it."""

import pytest
from django.urls import reverse

from detection import tasks
from detection.models import DetectionRun
from detection.registry import register_model
from tests.detection.conftest import build_onnx
from tests.detection.test_tasks import ingest, manifest

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_model(tmp_path):
    model = register_model(build_onnx(tmp_path / "tiny-1.onnx"), manifest("1"), activate=True)
    model.validation = {
        "evaluations": [{"data": "synthetic", "items": 40, "kinds": {"face": 20}, "figures": {}}]
    }
    model.save()
    return model


def test_scenery_clip_gets_no_model_score_and_says_so(
    active_model, noface_clip, client, moderator, api_client_for
):
    clip = ingest(noface_clip)
    tasks.run_scoring(clip.pk)
    run = DetectionRun.objects.get(clip=clip)
    assert run.clip_score is None and run.abstained == "no_face"

    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "No face found that the model can judge in 4 sampled frames" in page
    assert "The model judges faces only, so it says nothing about this clip." in page
    assert "No score: no face found." in page
    assert 'data-suspicion="none"' in page
    assert "no face found</span>" in page  # the runs table

    body = api_client_for(moderator).get(f"/api/v1/clips/{clip.public_id}/").json()
    assert body["score"] is None
    assert body["detection"]["score"] is None
    assert body["detection"]["score_reason"] == "no_face"
    assert body["detection"]["score_sentence"].startswith("No face found")
    assert body["detection"]["counts"]["frames_with_face"] == 0
    assert body["suspicion"]["level"] == "none"
    [model_signal] = [
        s for s in body["suspicion"]["signals"] if s["name"] == "face_manipulation_model"
    ]
    assert model_signal["applicable"] is False
    assert model_signal["not_applicable_reason"] == "no face found"


def test_face_clip_keeps_its_score_with_its_validation_status(
    active_model, face_clip, client, moderator, api_client_for
):
    clip = ingest(face_clip)
    tasks.run_scoring(clip.pk)
    run = DetectionRun.objects.get(clip=clip)
    assert run.clip_score is not None and run.clip_score >= run.threshold

    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert 'data-suspicion="weak"' in page
    assert "tiny v1: validated on synthetic data only." in page
    card = reverse("dashboard:model_card", args=[active_model.pk])
    assert f'href="{card}"' in page
    assert "Clip score: mean of the top 5 frame scores among frames with a scorable face" in page
    assert "No score: no face found." not in page

    body = api_client_for(moderator).get(f"/api/v1/clips/{clip.public_id}/").json()
    assert body["score"] == pytest.approx(run.clip_score)
    assert body["detection"]["score_reason"] is None
    assert body["detection"]["validation"]["status"] == "synthetic"
    assert body["suspicion"]["level"] == "weak"

    card_page = client.get(card).content.decode()
    assert "Validated on synthetic data only" in card_page
