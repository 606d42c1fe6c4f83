"""Aggregation rules: frame score = best scorable face, clip score = mean of the top-k frames
with one; no faces, no score."""

import pytest

from detection.scoring import MIN_FACE_CONFIDENCE, aggregate, face_refusal, frame_score


def test_clip_score_is_mean_of_top_k():
    scores = [0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4]
    assert aggregate(scores, top_k=3) == pytest.approx((0.9 + 0.8 + 0.7) / 3)
    assert aggregate(scores, top_k=1) == pytest.approx(0.9)


def test_fewer_frames_than_k_uses_all_of_them():
    assert aggregate([0.2, 0.6], top_k=5) == pytest.approx(0.4)


def test_nothing_scored_is_no_score():
    assert aggregate([], top_k=5) is None
    assert aggregate([None, None], top_k=5) is None


def test_frames_without_a_face_take_no_part():
    assert aggregate([None, 0.2, None, 0.6], top_k=5) == pytest.approx(0.4)


def test_faces_below_the_floors_are_refused():
    assert face_refusal(120, 120, 0.9, 112) == ""
    assert face_refusal(55, 120, 0.9, 112) == "too_small"
    assert face_refusal(56, 56, 0.9, 112) == ""
    assert face_refusal(120, 120, MIN_FACE_CONFIDENCE - 0.01, 112) == "low_confidence"


def test_short_fake_stretch_in_a_long_clip_is_not_averaged_away():
    # 120 sampled frames of a 60 s clip; a swapped face for 3 s (6 samples).
    scores = [0.05] * 114 + [0.95] * 6
    assert aggregate(scores, top_k=5) == pytest.approx(0.95)
    assert sum(scores) / len(scores) < 0.1  # what a plain mean would have said


def test_one_noisy_frame_does_not_flag_a_clip_alone():
    scores = [0.05] * 59 + [0.99]
    assert aggregate(scores, top_k=5) < 0.3


def test_order_does_not_matter():
    scores = [0.3, 0.9, 0.1, 0.5]
    assert aggregate(scores, 2) == aggregate(list(reversed(scores)), 2)


def test_result_stays_a_probability():
    assert aggregate([1.0] * 10) == 1.0
    assert aggregate([0.0] * 10) == 0.0


@pytest.mark.parametrize("bad", [float("nan"), -0.1, 1.5, float("inf")])
def test_rejects_non_probabilities(bad):
    with pytest.raises(ValueError):
        aggregate([0.5, bad])
    with pytest.raises(ValueError):
        frame_score([0.5, bad])


def test_rejects_non_positive_k():
    with pytest.raises(ValueError):
        aggregate([0.5], top_k=0)


def test_frame_score_is_the_most_suspicious_face():
    assert frame_score([0.2, 0.7, 0.4]) == 0.7
    assert frame_score([0.3]) == 0.3
    with pytest.raises(ValueError):
        frame_score([])
