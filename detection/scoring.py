"""Aggregation and the abstain rule: which faces the model may judge, and how frame scores
become a clip score.

The rules, which reviewers see next to every score (``SCORING_RULES_VERSION`` 2):

* **Abstain.** The face-manipulation model judges faces only. A detected face is *scorable*
  when BlazeFace is at least ``MIN_FACE_CONFIDENCE`` sure of it (its own reporting floor is
  0.5; between the two it is counted as *low confidence*) and its box is at least half the
  model's input on its shorter side (``min_face_side``: 56 px for a 112 px model; a smaller
  face is blown up more than 1.33x, twice over once the crop margin is added, and the model
  sees interpolation, not skin; it is counted as *too small*). A frame without a scorable face
  gets **no score** — nothing else in the frame is ever scored in its place. A clip where no
  sampled frame had a scorable face gets **no clip score** (``NO_FACE``): it is not evidence
  either way, and priority and SLA bands do not use the model for it.
* **Frame score** = the highest score among the frame's scorable faces.
* **Clip score** = the mean of the ``top_k`` highest frame scores **among frames with a
  scorable face** (all of them when fewer). Clips are flagged by their most suspicious
  moments: a swapped face in a few seconds of a long clip must not be averaged away by
  minutes of authentic footage, while averaging several frames keeps one noisy frame from
  flagging a clip on its own.

Version 1 (runs made before) also scored the centre square of frames without a face; those
runs are kept as they were; ``manage.py rescore`` scores clips again under these rules as a
new run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DEFAULT_TOP_K = 5
SCORING_RULES_VERSION = 2
# BlazeFace reports faces from 0.5; on the synthetic clips every real face sits at 0.69 or
# more (0.83 and up on authentic camera frames), so 0.6 drops the detector's doubtful guesses
# without losing faces it plainly sees.
MIN_FACE_CONFIDENCE = 0.6
NO_FACE = "no_face"
TOO_SMALL = "too_small"
LOW_CONFIDENCE = "low_confidence"


def _check_probability(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must be a probability in [0, 1], got {value!r}")
    return value


def min_face_side(model_input_px: int) -> int:
    """The smallest face box side (px) the model may judge: half its input side."""
    return max(1, int(model_input_px) // 2)


def face_refusal(width: int, height: int, confidence: float, model_input_px: int) -> str:
    """Why a detected face is not scored (``TOO_SMALL``, ``LOW_CONFIDENCE``), or "" to score it."""
    if confidence < MIN_FACE_CONFIDENCE:
        return LOW_CONFIDENCE
    if min(width, height) < min_face_side(model_input_px):
        return TOO_SMALL
    return ""


def frame_score(face_scores: Sequence[float]) -> float:
    """Score of one frame: the highest of its scorable faces' scores (at least one needed)."""
    if len(face_scores) == 0:
        raise ValueError("a frame score needs at least one scorable face")
    return max(_check_probability(s, "a face score") for s in face_scores)


def aggregate(frame_scores: Sequence[float | None], top_k: int = DEFAULT_TOP_K) -> float | None:
    """Clip score: mean of the ``top_k`` highest scores among frames that have one.

    Frames without a scorable face (``None``) take no part; with none left the clip gets no
    score (``None``). With fewer than ``top_k`` scored frames, the mean of all of them.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    scores = sorted(
        (_check_probability(s, "a frame score") for s in frame_scores if s is not None),
        reverse=True,
    )
    if not scores:
        return None
    top = scores[:top_k]
    # Clamp: float summation may land a hair outside [0, 1].
    return min(1.0, max(0.0, math.fsum(top) / len(top)))


def aggregation_rule(top_k: int) -> str:
    """The clip-score rule in words, as stored on a run and shown on the review page."""
    return (
        f"mean of the top {top_k} frame scores among frames with a scorable face "
        f"(face confidence ≥ {MIN_FACE_CONFIDENCE}, at least half the model's input); "
        "no score when no frame has one"
    )
