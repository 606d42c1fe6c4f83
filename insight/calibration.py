"""Detector calibration per model version, measured against the moderators' final decisions.

The truth for a clip is its final outcome: removed, or labelled with a manipulation label,
counts as manipulated; approved, or labelled only with context labels, as not. One grouped
query puts each decided clip's score into one of 100 bins of width 0.01, split by outcome;
everything shown (histogram, precision and recall at each threshold, reliability diagram,
suggested threshold) is derived from those at most 200 aggregate rows. Because a bin is
floor(score * 100), "score >= b / 100" is exactly "bin >= b": the curve is exact at every
hundredth, not an approximation.
"""

import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Floor, Least

from dashboard.constants import FINAL_STATES, ClipStatus
from dashboard.models import Decision
from detection.models import DetectionRun, DetectorModel, RunStatus

BINS = 100
HISTOGRAM_BINS = 20
RELIABILITY_BINS = 10


@dataclass
class Calibration:
    model: DetectorModel
    target_precision: float
    positives: list[int] = field(default_factory=lambda: [0] * BINS)
    negatives: list[int] = field(default_factory=lambda: [0] * BINS)
    score_sums: list[float] = field(default_factory=lambda: [0.0] * BINS)

    @property
    def total(self) -> int:
        return sum(self.positives) + sum(self.negatives)

    def histogram(self) -> tuple[list[str], list[int], list[int]]:
        """(bin labels, manipulated counts, not manipulated counts) in HISTOGRAM_BINS bins."""
        width = BINS // HISTOGRAM_BINS
        labels = [f"{i / HISTOGRAM_BINS:.2f}" for i in range(HISTOGRAM_BINS)]
        pos = [sum(self.positives[i * width : (i + 1) * width]) for i in range(HISTOGRAM_BINS)]
        neg = [sum(self.negatives[i * width : (i + 1) * width]) for i in range(HISTOGRAM_BINS)]
        return labels, pos, neg

    def curve(self) -> list[tuple[float, float | None, float | None]]:
        """(threshold, precision, recall) at every hundredth from 0.00 to 0.99.

        Precision is None where nothing scores at or above the threshold; recall is None when
        no decided clip was manipulated.
        """
        total_pos = sum(self.positives)
        out = []
        tp = fp = 0
        for b in range(BINS - 1, -1, -1):
            tp += self.positives[b]
            fp += self.negatives[b]
            precision = tp / (tp + fp) if tp + fp else None
            recall = tp / total_pos if total_pos else None
            out.append((b / BINS, precision, recall))
        out.reverse()
        return out

    def suggested_threshold(self) -> float | None:
        """The lowest threshold whose precision reaches the target: the most recall for it."""
        for threshold, precision, _recall in self.curve():
            if precision is not None and precision >= self.target_precision:
                return threshold
        return None

    def at_threshold(self, threshold: float) -> tuple[float | None, float | None]:
        """(precision, recall) at a threshold on the curve's grid (rounded up to a hundredth)."""
        # The small epsilon keeps 0.5 * 100 == 50.000000000000001 on bin 50, not 51.
        b = min(max(math.ceil(threshold * BINS - 1e-9), 0), BINS)
        tp = sum(self.positives[b:])
        fp = sum(self.negatives[b:])
        total_pos = sum(self.positives)
        return (tp / (tp + fp) if tp + fp else None, tp / total_pos if total_pos else None)

    def reliability(self) -> list[tuple[float, float, int]]:
        """(mean score, share manipulated, clips) per non-empty tenth of the score range."""
        width = BINS // RELIABILITY_BINS
        out = []
        for i in range(RELIABILITY_BINS):
            span = slice(i * width, (i + 1) * width)
            n = sum(self.positives[span]) + sum(self.negatives[span])
            if n:
                out.append((sum(self.score_sums[span]) / n, sum(self.positives[span]) / n, n))
        return out


def manipulated_outcome() -> Case:
    """True when a decided clip's final outcome says it was manipulated."""
    manipulation_label = Decision.labels.through.objects.filter(
        decision__clip=OuterRef("clip"), label__manipulated=True
    )
    return Case(
        When(clip__status=ClipStatus.REMOVED, then=Value(True)),
        When(Q(clip__status=ClipStatus.LABELED) & Exists(manipulation_label), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def calibrate(model: DetectorModel, target_precision: float | None = None) -> Calibration:
    """Bin the model's scores on every decided clip it scored, by final outcome (one query)."""
    target = settings.INSIGHT_TARGET_PRECISION if target_precision is None else target_precision
    result = Calibration(model=model, target_precision=target)
    bin_of = Least(
        Cast(Floor(Cast("clip_score", FloatField()) * BINS), IntegerField()), Value(BINS - 1)
    )
    rows = (
        DetectionRun.objects.filter(
            model=model,
            status=RunStatus.DONE,
            clip_score__isnull=False,
            clip__status__in=FINAL_STATES,
        )
        .annotate(bin=bin_of, manipulated=manipulated_outcome())
        .values("bin", "manipulated")
        .annotate(n=Count("id"), score_sum=Sum("clip_score"))
        .order_by()
    )
    for row in rows:
        b = min(max(int(row["bin"]), 0), BINS - 1)
        target_list = result.positives if row["manipulated"] else result.negatives
        target_list[b] += row["n"]
        result.score_sums[b] += row["score_sum"] or 0.0
    return result
