"""Face detection with BlazeFace and square face crops."""

import cv2
import numpy as np
import pytest

from detection.faces import (
    FaceBox,
    FaceDetector,
    crop_face,
    generate_anchors,
    non_max_suppression,
)
from detection.synthetic import astronaut_bgr, frames_with_face_box


def iou(box: FaceBox, truth: tuple[int, int, int, int]) -> float:
    x0, y0 = max(box.x, truth[0]), max(box.y, truth[1])
    x1, y1 = min(box.x + box.w, truth[2]), min(box.y + box.h, truth[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = box.w * box.h + (truth[2] - truth[0]) * (truth[3] - truth[1]) - inter
    return inter / union


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def test_anchor_layout_matches_model_outputs():
    short = generate_anchors(128, (8, 16, 16, 16), 2)
    full = generate_anchors(192, (4,), 1)
    assert short.shape == (896, 2)
    assert full.shape == (2304, 2)
    # 16x16 grid with 2 anchors per cell, then 8x8 with 6.
    assert np.allclose(short[0], [0.5 / 16, 0.5 / 16]) and np.allclose(short[1], short[0])
    assert np.allclose(short[2], [1.5 / 16, 0.5 / 16])
    assert np.allclose(short[512], [0.5 / 8, 0.5 / 8]) and np.allclose(short[517], short[512])
    assert np.allclose(short[518], [1.5 / 8, 0.5 / 8])
    assert np.allclose(short[-1], [7.5 / 8, 7.5 / 8])


def test_weighted_nms_merges_overlaps_and_keeps_separate_faces():
    boxes = np.array([[0.10, 0.10, 0.30, 0.30], [0.12, 0.10, 0.32, 0.30], [0.60, 0.60, 0.80, 0.80]])
    scores = np.array([0.9, 0.6, 0.7])
    kept = non_max_suppression(boxes, scores, iou_threshold=0.3, weighted=True)
    assert [round(score, 2) for _, score in kept] == [0.9, 0.7]
    merged = kept[0][0]
    assert merged[0] == pytest.approx((0.10 * 0.9 + 0.12 * 0.6) / 1.5)
    plain = non_max_suppression(boxes, scores, iou_threshold=0.3, weighted=False)
    assert np.allclose(plain[0][0], boxes[0])
    assert len(non_max_suppression(boxes, scores, iou_threshold=0.95)) == 3


@pytest.mark.parametrize("size", [(640, 360), (1280, 720)])
@pytest.mark.parametrize("kind", ["face", "face_paste", "animated_still", "synthetic"])
def test_finds_the_face_where_it_is(detector, size, kind):
    for seed in (0, 1, 2):
        for frame, truth in frames_with_face_box(3, size, seed=seed, kind=kind):
            faces = detector.detect(frame)
            assert len(faces) == 1, (seed, faces)
            assert iou(faces[0], truth) > 0.6, (seed, faces[0], truth)
            assert 0.5 <= faces[0].score <= 1.0


@pytest.mark.parametrize("size", [(640, 360), (1280, 720)])
def test_finds_nothing_in_scenery(detector, size):
    for seed in range(4):
        for frame, _ in frames_with_face_box(5, size, seed=seed, kind="noface"):
            assert detector.detect(frame) == []


def test_letterboxing_maps_boxes_back_on_portrait_frames(detector):
    """A tall frame pads on the other side; boxes must still land on the face."""
    head = astronaut_bgr()[40:300, 120:330]  # 210x260 around the face
    scale = 300 / 210
    frame = np.full((600, 300, 3), 60, np.uint8)
    frame[220 : 220 + round(260 * scale), :] = cv2.resize(head, (300, round(260 * scale)))
    faces = detector.detect(frame)
    assert len(faces) == 1
    # The face in the portrait is about (179, 82)-(271, 175); in the head crop,
    # (59, 42)-(151, 135).
    truth = (
        round(59 * scale),
        220 + round(42 * scale),
        round(151 * scale),
        220 + round(135 * scale),
    )
    assert iou(faces[0], truth) > 0.6


def test_full_range_model_finds_small_faces():
    portrait = astronaut_bgr()
    frame = np.full((720, 1280, 3), 90, np.uint8)
    # Face about 90 px tall in 720p: below what the short-range model can see.
    small = cv2.resize(portrait, (500, 500))
    frame[100:600, 400:900] = small
    assert FaceDetector("full").detect(frame)
    assert FaceDetector("short").detect(frame) == []


def test_score_threshold_is_honoured(detector):
    frame, _ = next(frames_with_face_box(1, (640, 360), seed=0))
    strict = FaceDetector(score_threshold=0.9999)
    assert detector.detect(frame)
    assert strict.detect(frame) == []


def test_detect_rejects_non_images(detector):
    with pytest.raises(ValueError):
        detector.detect(np.zeros((10, 10), np.uint8))


def test_crop_face_is_square_and_centred_on_the_box():
    image = np.zeros((360, 640, 3), np.uint8)
    image[100:200, 300:400] = (0, 0, 255)  # the "face"
    crop = crop_face(image, FaceBox(300, 100, 100, 100, 0.9), margin=0.25, size=112)
    assert crop.shape == (112, 112, 3)
    # 25% margin each side: the face fills the middle two thirds of the crop.
    assert crop[56, 56].tolist() == [0, 0, 255]
    assert crop[56, 5].tolist() == [0, 0, 0]
    assert crop[5, 56].tolist() == [0, 0, 0]
    red = crop[..., 2] > 128
    assert red.sum() / red.size == pytest.approx((2 / 3) ** 2, abs=0.03)


def test_crop_face_is_clamped_inside_the_image():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    corner = crop_face(image, FaceBox(0, 0, 80, 80, 0.9), margin=0.25, size=120)
    # Shifted inside, not padded: the crop is exactly the top-left 120x120 region.
    assert np.array_equal(corner, image[:120, :120])
    huge = crop_face(image, FaceBox(100, 50, 400, 300, 0.9), margin=0.5, size=112)
    assert huge.shape == (112, 112, 3)
