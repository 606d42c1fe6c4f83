"""Scoring a whole clip: sampling, faces, batched inference, aggregation, progress."""

import json
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.faces import FaceBox, FaceDetector, crop_face
from detection.frames import UnreadableMediaError, plan_sample_indices, sample_frames
from detection.inference import (
    Classifier,
    ModelOutputError,
    ModelSpec,
    file_sha256,
    get_classifier,
)
from detection.pipeline import decode_only, score_video
from detection.scoring import aggregate


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


@pytest.fixture(scope="module")
def classifier(tiny_model, model_spec) -> Classifier:
    return Classifier(tiny_model, ModelSpec.from_dict(model_spec))


def test_face_clip_is_scored_from_its_faces(face_clip, classifier, detector):
    result = score_video(face_clip, classifier, detector, rate=4.0, top_k=3, batch_size=3)
    # 2 s at 4/s.
    assert result.frames_scored == 8
    assert result.faces_found >= 8
    assert result.frames_without_face == 0
    assert result.duration_s == pytest.approx(2.0)

    times = [entry["t"] for entry in result.timeline]
    assert times == sorted(times)
    assert [entry["frame"] for entry in result.timeline] == plan_sample_indices(50, 25.0, 4.0)
    for entry in result.timeline:
        assert entry["face_found"] is True
        assert entry["faces"]
        x, y, w, h, confidence = entry["faces"][0]
        assert 0 <= x < 640 and 0 <= y < 360 and w > 20 and h > 20 and confidence >= 0.5
        assert entry["score"] == max(entry["face_scores"])
        assert 0.0 <= entry["score"] <= 1.0

    frame_scores = [entry["score"] for entry in result.timeline]
    assert result.clip_score == pytest.approx(aggregate(frame_scores, 3))


def test_face_scores_are_the_classifier_on_face_crops(face_clip, classifier, detector):
    """The score comes from a crop of the detected face, not from the whole frame."""
    result = score_video(face_clip, classifier, detector, rate=2.0)
    frames = {f.index: f.image for f in sample_frames(face_clip, 2.0)}
    for entry in result.timeline:
        box = FaceBox(*entry["faces"][0][:4], score=entry["faces"][0][4])
        expected = classifier.predict([crop_face(frames[entry["frame"]], box)])[0]
        assert entry["face_scores"][0] == pytest.approx(expected, abs=1e-3)


def test_top_crops_are_small_jpegs_best_first(face_clip, classifier, detector):
    result = score_video(face_clip, classifier, detector, rate=4.0, crops_to_keep=3)
    assert len(result.top_crops) == 3
    scores = [crop["score"] for crop in result.top_crops]
    assert scores == sorted(scores, reverse=True)
    all_face_scores = sorted(
        (s for entry in result.timeline for s in entry["face_scores"]), reverse=True
    )
    assert scores == pytest.approx(all_face_scores[:3])
    for crop in result.top_crops:
        assert crop["jpeg"][:2] == b"\xff\xd8"
        image = cv2.imdecode(np.frombuffer(crop["jpeg"], np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == (112, 112, 3)
        assert 0.0 <= crop["t"] <= 2.0


def test_noface_clip_gets_no_model_score(noface_clip, classifier, detector):
    """Scenery is not judged by a face model: no frame score, no clip score, and why."""
    result = score_video(noface_clip, classifier, detector, rate=2.0)
    assert result.frames_scored == 4
    assert result.faces_found == 0
    assert result.frames_without_face == 4
    assert all(entry["face_found"] is False for entry in result.timeline)
    assert all(entry["faces"] == [] for entry in result.timeline)
    assert all(entry["score"] is None for entry in result.timeline)
    assert result.top_crops == []
    assert result.clip_score is None
    assert result.abstained == "no_face"
    assert result.counts == {
        "frames_sampled": 4,
        "frames_with_face": 0,
        "faces_found": 0,
        "faces_scored": 0,
        "faces_too_small": 0,
        "faces_low_confidence": 0,
    }


class _FixedFaces:
    """A detector that reports the same boxes in every frame."""

    def __init__(self, boxes):
        self.boxes = boxes

    def detect(self, image):
        return list(self.boxes)


def test_small_and_doubtful_faces_are_counted_not_scored(noface_clip, classifier):
    faces = _FixedFaces([FaceBox(10, 10, 40, 40, 0.95), FaceBox(200, 100, 120, 120, 0.55)])
    result = score_video(noface_clip, classifier, faces, rate=2.0)
    assert result.clip_score is None and result.abstained == "no_face"
    assert result.counts["faces_found"] == 8
    assert result.counts["faces_too_small"] == 4
    assert result.counts["faces_low_confidence"] == 4
    assert result.counts["faces_scored"] == 0
    entry = result.timeline[0]
    assert entry["score"] is None and entry["faces"] == []
    assert [face[-1] for face in entry["faces_skipped"]] == ["too_small", "low_confidence"]


def test_clip_score_is_over_frames_with_faces_only(noface_clip, classifier):
    class EveryOtherFrame:
        calls = 0

        def detect(self, image):
            self.calls += 1
            return [FaceBox(200, 100, 120, 120, 0.9)] if self.calls % 2 else []

    result = score_video(noface_clip, classifier, EveryOtherFrame(), rate=2.0, top_k=5)
    scored = [e["score"] for e in result.timeline if e["score"] is not None]
    assert len(scored) == 2 and result.frames_without_face == 2
    assert result.clip_score == pytest.approx(sum(scored) / 2)
    assert result.counts["frames_with_face"] == 2


def test_progress_reaches_total(face_clip, classifier, detector):
    calls: list[tuple[int, int]] = []
    result = score_video(
        face_clip,
        classifier,
        detector,
        rate=5.0,
        batch_size=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[0] == (0, 10)
    assert calls[-1] == (result.frames_scored, result.frames_scored) == (10, 10)
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert len(calls) > 3  # reported along the way, not only at the end


def test_timings_cover_every_stage(face_clip, classifier, detector):
    result = score_video(face_clip, classifier, detector)
    assert set(result.timings_ms) >= {"decode", "faces", "inference", "aggregate", "total"}
    assert all(v >= 0 for v in result.timings_ms.values())
    assert result.timings_ms["total"] >= result.timings_ms["faces"]


def test_unreadable_clip_raises(tmp_path, classifier, detector):
    path = tmp_path / "junk.mp4"
    path.write_bytes(b"\x00" * 10_000)
    with pytest.raises(UnreadableMediaError):
        score_video(path, classifier, detector)


def test_model_failure_propagates_and_stops_the_decoder(
    face_clip, onnx_factory, model_spec, detector
):
    broken = Classifier(onnx_factory(poison="logit"), ModelSpec.from_dict(model_spec))
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(ModelOutputError):
        score_video(face_clip, broken, detector, rate=25.0, batch_size=1)
    assert "unmask-decode" not in {t.name for t in threading.enumerate()} - before


def test_decode_only_times_the_same_sampling(face_clip):
    seconds = decode_only(face_clip, rate=2.0, max_frames=120)
    assert 0.0 < seconds < 10.0


BASELINE = Path(__file__).resolve().parents[2] / "detection" / "models" / "baseline-v1.onnx"


@pytest.mark.skipif(not BASELINE.is_file(), reason="baseline model not built")
def test_baseline_model_separates_authentic_from_pasted_faces(face_clip, paste_clip, detector):
    """End to end with the shipped model: crops cut here are the crops it was trained on."""
    spec = json.loads(BASELINE.with_suffix(".json").read_text())
    classifier = get_classifier(BASELINE, spec, file_sha256(BASELINE))
    authentic = score_video(face_clip, classifier, detector)
    pasted = score_video(paste_clip, classifier, detector)
    assert authentic.faces_found > 0 and pasted.faces_found > 0
    assert authentic.clip_score < spec["threshold"] < pasted.clip_score
