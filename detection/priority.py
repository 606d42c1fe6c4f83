"""Detection's contribution to the queue's priority: 100 × the detector's clip score."""

from dashboard.hooks import PriorityContribution, priority_contributions

SCORE_WEIGHT = 100.0


def score_points(score: float | None) -> float:
    return SCORE_WEIGHT * (score or 0.0)


def register() -> None:
    priority_contributions.register(
        "detector_score",
        PriorityContribution(
            "detector_score", "Detector score", lambda clip: score_points(clip.score)
        ),
    )
