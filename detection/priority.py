"""Detection's contribution to the queue's priority: the detector's score, only when it is
trusted on real data.

A score from a model validated on synthetic data only (the baseline) or not at all adds no
points: it is a weak hint and reaches the queue through the suspicion level instead (the
core's `suspicion_level` contribution). Once `manage.py evaluate_detector --record` stores an
evaluation on real media that `detection.validation` calls trusted, the active model's score
counts 100 × score. A clip the model abstained on (no face) has no score and gets nothing.
"""

from dashboard.hooks import PriorityContribution, priority_contributions
from dashboard.models import Clip
from detection.models import DetectorModel
from detection.validation import validation_status

SCORE_WEIGHT = 100.0


def score_points(score: float | None, trusted: bool = True) -> float:
    """Points for a clip score: 100 × score from a trusted model, else 0."""
    return SCORE_WEIGHT * (score or 0.0) if trusted else 0.0


def _points(clip: Clip) -> float:
    if clip.score is None:
        return 0.0
    model = DetectorModel.objects.active()
    trusted = model is not None and validation_status(model.validation).trusted_on_real
    return score_points(clip.score, trusted)


def register() -> None:
    priority_contributions.register(
        "detector_score",
        PriorityContribution("detector_score", "Detector score (trusted models only)", _points),
    )
