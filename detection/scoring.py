"""Aggregation: from per-face scores to a frame score, and from frame scores to a clip score.

The rules, which reviewers see next to every score:

* **Frame score** = the highest score among the faces found in the frame; when no face
  is found, the score of the whole (centre-cropped) frame, and the frame is marked
  ``face_found=False`` so the reviewer knows the number rests on no face.
* **Clip score** = the mean of the ``top_k`` highest frame scores. Clips are flagged by
  their most suspicious moments: a swapped face in a few seconds of a long clip must
  not be averaged away by minutes of authentic footage, while averaging several frames
  keeps one noisy frame from flagging a clip on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DEFAULT_TOP_K = 5


def _check_probability(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must be a probability in [0, 1], got {value!r}")
    return value


def frame_score(face_scores: Sequence[float]) -> float:
    """Score of one frame: the highest of its face scores (at least one needed)."""
    if len(face_scores) == 0:
        raise ValueError("a frame score needs at least one face (or whole-frame) score")
    return max(_check_probability(s, "a face score") for s in face_scores)


def aggregate(frame_scores: Sequence[float], top_k: int = DEFAULT_TOP_K) -> float:
    """Clip score: mean of the ``top_k`` highest frame scores; 0.0 when nothing was scored.

    With fewer than ``top_k`` frames, the mean of all of them.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    scores = sorted((_check_probability(s, "a frame score") for s in frame_scores), reverse=True)
    if not scores:
        return 0.0
    top = scores[:top_k]
    # Clamp: float summation may land a hair outside [0, 1].
    return min(1.0, max(0.0, math.fsum(top) / len(top)))
