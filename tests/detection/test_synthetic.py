"""Synthetic media: clips are written and readable, deterministic, and carry their artefacts."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detection import synthetic

SIZE = (320, 180)


def _frames(kind: str, n: int = 6, seed: int = 3, size: tuple[int, int] = SIZE) -> list:
    return [frame for frame, _box in synthetic.frames_with_face_box(n, size, seed, kind)]


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)


def _highpass_std(patch: np.ndarray) -> float:
    gray = _gray(patch)
    return float((gray - cv2.GaussianBlur(gray, (0, 0), 1.0)).std())


def _centre(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    return frame[y0 + h // 4 : y1 - h // 4, x0 + w // 4 : x1 - w // 4]


def test_astronaut_is_bgr_uint8_and_a_copy():
    portrait = synthetic.astronaut_bgr()
    assert portrait.shape == (512, 512, 3)
    assert portrait.dtype == np.uint8
    # The orange suit fills the lower half: red must be the last channel.
    suit = portrait[300:, 50:250]
    assert suit[..., 2].mean() > suit[..., 0].mean() + 50
    portrait[:] = 0
    assert synthetic.astronaut_bgr().any()


@pytest.mark.parametrize("kind", synthetic.CLIP_KINDS)
def test_frames_have_requested_count_size_and_dtype(kind):
    frames = _frames(kind, n=4, size=(200, 120))
    assert len(frames) == 4
    for frame in frames:
        assert frame.shape == (120, 200, 3)
        assert frame.dtype == np.uint8


def test_public_generators_match_labelled_frames():
    assert np.array_equal(next(synthetic.face_frames(1, SIZE, 5)), _frames("face", 1, 5)[0])
    assert np.array_equal(next(synthetic.noface_frames(1, SIZE, 5)), _frames("noface", 1, 5)[0])
    for kind in synthetic.MANIPULATED_KINDS:
        frame = next(synthetic.manipulated_frames(1, SIZE, 5, kind=kind))
        assert np.array_equal(frame, _frames(kind, 1, 5)[0])


@pytest.mark.parametrize("kind", synthetic.CLIP_KINDS)
def test_same_seed_same_frames_other_seed_other_frames(kind):
    first = _frames(kind, n=3, seed=11)
    again = _frames(kind, n=3, seed=11)
    other = _frames(kind, n=3, seed=12)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[-1], other[-1])


def test_face_box_is_inside_frame_and_sized_for_blazeface():
    for seed in range(6):
        for frame, box in synthetic.frames_with_face_box(3, (640, 360), seed, "face"):
            x0, y0, x1, y1 = box
            assert 0 <= x0 < x1 <= frame.shape[1]
            assert 0 <= y0 < y1 <= frame.shape[0]
            assert 0.2 <= (y1 - y0) / frame.shape[0] <= 0.5


def test_noface_scene_differs_from_face_scene():
    face = _frames("face", n=1)[0].astype(np.int16)
    noface = _frames("noface", n=1)[0].astype(np.int16)
    assert np.abs(face - noface).mean() > 20
    assert all(box is None for _f, box in synthetic.frames_with_face_box(2, SIZE, 0, "noface"))


def test_real_clip_noise_is_renewed_every_frame_but_animated_still_grain_is_frozen():
    def temporal_highpass(kind: str) -> float:
        a, b = _frames(kind, n=2, seed=4, size=(640, 360))
        diff = _gray(b) - _gray(a)
        return float((diff - cv2.GaussianBlur(diff, (0, 0), 2.0)).std())

    assert temporal_highpass("face") > 2 * temporal_highpass("animated_still")


def test_pasted_face_lacks_the_sensor_noise_of_the_real_face():
    seed, size = 2, (640, 360)
    real, box = next(synthetic.frames_with_face_box(1, size, seed, "face"))
    pasted, same_box = next(synthetic.frames_with_face_box(1, size, seed, "face_paste"))
    assert box == same_box
    assert _highpass_std(_centre(pasted, box)) < 0.7 * _highpass_std(_centre(real, box))
    # Outside the face the scene is untouched.
    assert np.array_equal(real[:, :40], pasted[:, :40])


def test_synthetic_frames_carry_a_stride_two_checkerboard():
    def checker_energy(frame: np.ndarray) -> float:
        gray = _gray(frame)
        spectrum = np.abs(np.fft.fft2(gray - gray.mean()))
        h, w = gray.shape
        return float(spectrum[h // 2, w // 2] / spectrum.mean())

    synthetic_frame = _frames("synthetic", n=1, size=(640, 360))[0]
    real_frame = _frames("face", n=1, size=(640, 360))[0]
    assert checker_energy(synthetic_frame) > 10 * checker_energy(real_frame)


@pytest.mark.parametrize("kind", synthetic.CLIP_KINDS)
def test_make_clip_writes_a_readable_mp4(tmp_path, kind):
    path = synthetic.make_clip(
        tmp_path / "nested" / f"{kind}.mp4", kind=kind, seconds=1.0, fps=10.0, size=SIZE
    )
    assert path.exists()
    capture = cv2.VideoCapture(str(path))
    try:
        assert capture.isOpened()
        assert capture.get(cv2.CAP_PROP_FRAME_WIDTH) == SIZE[0]
        assert capture.get(cv2.CAP_PROP_FRAME_HEIGHT) == SIZE[1]
        assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(10.0)
        decoded = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            decoded.append(frame)
    finally:
        capture.release()
    assert len(decoded) == 10
    # The encoder is lossy, but the picture must survive it.
    source = _frames(kind, n=1, seed=0, size=SIZE)[0]
    assert np.abs(decoded[0].astype(np.int16) - source).mean() < 12


def test_write_clip_rejects_empty_and_mismatched_frames(tmp_path):
    with pytest.raises(ValueError):
        synthetic.write_clip(tmp_path / "empty.mp4", [])
    frames = [np.zeros((64, 64, 3), np.uint8), np.zeros((32, 64, 3), np.uint8)]
    with pytest.raises(ValueError):
        synthetic.write_clip(tmp_path / "mixed.mp4", frames)


def test_unknown_kinds_are_rejected(tmp_path):
    with pytest.raises(ValueError):
        synthetic.make_clip(tmp_path / "x.mp4", kind="cartoon")
    with pytest.raises(ValueError):
        next(synthetic.manipulated_frames(1, kind="face"))
