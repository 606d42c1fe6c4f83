"""Labelled face crops for the baseline classifier, generated from ``detection.synthetic``.

This module owns what the baseline model learns from: 112x112 RGB crops cut the way the
scoring pipeline cuts them (a square around the face box with a margin, or the centre
square of the frame when no face is found), labelled 0 for an authentic camera clip and 1
for a manipulated one. Each split is generated from its own seed range, so the held-out
split shares no scene, camera path or manipulation draw with training.

Everything that is not a manipulation artefact is randomised on both classes alike --
frame size, crop margin and position, rotation, flip, colour and brightness, blur, added
noise, JPEG quality, and a round trip through the MP4 encoder -- so the model has to
find the artefacts rather than, say, the colour of the pasted face.

Uses numpy and OpenCV only; torch is not needed to build a split.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from detection import synthetic
from detection.frames import read_every_frame

CROP_SIZE = 112
LABEL_REAL = 0
LABEL_MANIPULATED = 1

# Share of clips per kind. Half the clips are manipulated, split evenly by kind; a few
# authentic clips have no face, so whole-frame crops of ordinary scenery are seen as real.
KIND_WEIGHTS: dict[str, float] = {
    "face": 0.42,
    "noface": 0.08,
    "animated_still": 0.5 / 3,
    "face_paste": 0.5 / 3,
    "synthetic": 0.5 / 3,
}
KIND_LABELS: dict[str, int] = {
    "face": LABEL_REAL,
    "noface": LABEL_REAL,
    "animated_still": LABEL_MANIPULATED,
    "face_paste": LABEL_MANIPULATED,
    "synthetic": LABEL_MANIPULATED,
}
# Frame sizes (width, height) the review desk sees most, landscape first, weighted.
FRAME_SIZES: tuple[tuple[int, int], ...] = (
    (640, 360),
    (854, 480),
    (426, 240),
    (1280, 720),
    (360, 640),
    (480, 480),
)
FRAME_SIZE_WEIGHTS = (0.35, 0.2, 0.1, 0.15, 0.1, 0.1)

# Frames generated per clip; crops are taken from a few of them.
FRAMES_PER_CLIP = 8
# Share of face clips cropped as if the detector had missed the face.
WHOLE_FRAME_SHARE = 0.07
# Share of clips that go through the MP4 writer and back, as uploaded clips do.
MP4_ROUND_TRIP_SHARE = 0.5


@dataclass(frozen=True)
class CropSet:
    """A split: RGB uint8 crops [N, 112, 112, 3], labels [N], and each crop's clip kind."""

    images: np.ndarray
    labels: np.ndarray
    kinds: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def _square_from_box(
    box: tuple[int, int, int, int], rng: np.random.Generator, frame_size: tuple[int, int]
) -> tuple[float, float, float]:
    """Centre and side of a jittered square around a face box, like the pipeline's crop."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    # The pipeline adds 25% of the box per side; detector boxes wobble around the truth.
    margin = rng.uniform(0.12, 0.4)
    side = max(bw, bh) * (1 + 2 * margin) * rng.uniform(0.92, 1.08)
    cx = (x0 + x1) / 2 + rng.normal(0, 0.06) * bw
    cy = (y0 + y1) / 2 + rng.normal(0, 0.06) * bh
    width, height = frame_size
    side = min(side, width, height)
    # Shift inside the frame rather than pad, as the pipeline does.
    cx = min(max(cx, side / 2), width - side / 2)
    cy = min(max(cy, side / 2), height - side / 2)
    return cx, cy, side


def _whole_frame_square(
    rng: np.random.Generator, frame_size: tuple[int, int]
) -> tuple[float, float, float]:
    width, height = frame_size
    side = min(width, height) * rng.uniform(0.9, 1.0)
    cx = width / 2 + rng.uniform(-0.5, 0.5) * (width - side)
    cy = height / 2 + rng.uniform(-0.5, 0.5) * (height - side)
    return cx, cy, side


def _cut(frame: np.ndarray, centre: tuple[float, float], side: float, angle: float) -> np.ndarray:
    """Cut a square at native resolution; rotate only when asked, since rotating resamples."""
    cx, cy = centre
    n = max(8, round(side))
    if angle == 0.0:
        x0 = int(round(cx - n / 2))
        y0 = int(round(cy - n / 2))
        x0 = min(max(0, x0), frame.shape[1] - n)
        y0 = min(max(0, y0), frame.shape[0] - n)
        return frame[y0 : y0 + n, x0 : x0 + n].copy()
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    matrix[:, 2] += (n / 2 - cx, n / 2 - cy)
    return cv2.warpAffine(
        frame, matrix, (n, n), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )


def _jitter_appearance(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Capture and distribution variation, applied to real and manipulated crops alike."""
    out = crop.astype(np.float32)
    if rng.random() < 0.8:
        gains = rng.uniform(0.85, 1.15) * rng.uniform(0.93, 1.07, size=3)
        out = out * gains.astype(np.float32) + np.float32(rng.uniform(-20, 20))
    if rng.random() < 0.3:
        gamma = rng.uniform(0.8, 1.25)
        out = 255.0 * np.power(np.clip(out, 0, 255) / 255.0, gamma)
    if rng.random() < 0.3:
        # Saturation: pull towards or push away from the grey of each pixel.
        grey = out.mean(axis=2, keepdims=True)
        out = grey + (out - grey) * np.float32(rng.uniform(0.6, 1.4))
    if rng.random() < 0.25:
        out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.4, 1.2)))
    if rng.random() < 0.25:
        out = out + rng.normal(0, rng.uniform(1.0, 4.0), size=out.shape).astype(np.float32)
    result = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        quality = int(rng.integers(35, 96))
        ok, encoded = cv2.imencode(".jpg", result, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            result = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    return result


def _to_model_size(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # The pipeline shrinks with INTER_AREA; other resizers show up in the wild.
    shrinking = crop.shape[0] > CROP_SIZE
    interpolation = cv2.INTER_AREA if shrinking and rng.random() < 0.8 else cv2.INTER_LINEAR
    return cv2.resize(crop, (CROP_SIZE, CROP_SIZE), interpolation=interpolation)


def _mp4_round_trip(frames: list[np.ndarray], workdir: Path, fps: float) -> list[np.ndarray]:
    path = synthetic.write_clip(workdir / "clip.mp4", frames, fps=fps)
    decoded = read_every_frame(path)  # as the scoring pipeline reads it
    if len(decoded) != len(frames):
        raise RuntimeError(f"MP4 round trip returned {len(decoded)} of {len(frames)} frames")
    return decoded


def crops_for_clip(
    split_seed: int, clip_index: int, crops_per_clip: int, workdir: Path
) -> tuple[list[np.ndarray], list[int], list[str]]:
    """Generate one clip and cut ``crops_per_clip`` augmented RGB crops from it."""
    rng = np.random.default_rng([split_seed, clip_index])
    kinds = list(KIND_WEIGHTS)
    kind = str(
        rng.choice(kinds, p=np.array(list(KIND_WEIGHTS.values())) / sum(KIND_WEIGHTS.values()))
    )
    size = FRAME_SIZES[int(rng.choice(len(FRAME_SIZES), p=FRAME_SIZE_WEIGHTS))]
    clip_seed = int(rng.integers(0, 2**31 - 1))
    pairs = list(synthetic.frames_with_face_box(FRAMES_PER_CLIP, size, clip_seed, kind))
    frames = [frame for frame, _box in pairs]
    if rng.random() < MP4_ROUND_TRIP_SHARE:
        frames = _mp4_round_trip(frames, workdir, fps=float(rng.choice([24.0, 25.0, 30.0])))
    picks = rng.choice(len(frames), size=crops_per_clip, replace=crops_per_clip > len(frames))
    images, labels, crop_kinds = [], [], []
    for pick in picks:
        frame, box = frames[int(pick)], pairs[int(pick)][1]
        if box is None or rng.random() < WHOLE_FRAME_SHARE:
            cx, cy, side = _whole_frame_square(rng, size)
        else:
            cx, cy, side = _square_from_box(box, rng, size)
        angle = float(rng.uniform(-10, 10)) if rng.random() < 0.3 else 0.0
        crop = _cut(frame, (cx, cy), side, angle)
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        crop = _to_model_size(_jitter_appearance(np.ascontiguousarray(crop), rng), rng)
        images.append(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
        labels.append(KIND_LABELS[kind])
        crop_kinds.append(kind)
    return images, labels, crop_kinds


def _crops_for_clips(
    split_seed: int, clip_indices: Sequence[int], crops_per_clip: int
) -> tuple[list[np.ndarray], list[int], list[str]]:
    # One OpenCV thread per worker process: the processes already use every core.
    cv2.setNumThreads(1)
    images: list[np.ndarray] = []
    labels: list[int] = []
    kinds: list[str] = []
    with tempfile.TemporaryDirectory(prefix="unmask-crops-") as tmp:
        for index in clip_indices:
            clip_images, clip_labels, clip_kinds = crops_for_clip(
                split_seed, index, crops_per_clip, Path(tmp)
            )
            images += clip_images
            labels += clip_labels
            kinds += clip_kinds
    return images, labels, kinds


def generate_split(
    split_seed: int, n_clips: int, crops_per_clip: int = 3, workers: int = 2
) -> CropSet:
    """Generate ``n_clips`` clips from ``split_seed`` and return their crops, in clip order."""
    chunk = max(1, math.ceil(n_clips / (workers * 8)))
    chunks = [list(range(i, min(n_clips, i + chunk))) for i in range(0, n_clips, chunk)]
    images: list[np.ndarray] = []
    labels: list[int] = []
    kinds: list[str] = []
    if workers <= 1:
        results = [_crops_for_clips(split_seed, c, crops_per_clip) for c in chunks]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(
                pool.map(
                    _crops_for_clips,
                    [split_seed] * len(chunks),
                    chunks,
                    [crops_per_clip] * len(chunks),
                )
            )
    for chunk_images, chunk_labels, chunk_kinds in results:
        images += chunk_images
        labels += chunk_labels
        kinds += chunk_kinds
    return CropSet(
        images=np.stack(images),
        labels=np.array(labels, dtype=np.int64),
        kinds=np.array(kinds),
    )
