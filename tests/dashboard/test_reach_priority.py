"""Priority rises with stated reach on a log scale (dashboard/priority.py documents the formula):
20 points per tenfold views above 1,000, at most 100; nothing without a stated reach."""

import math

import pytest

from dashboard.constants import ClipStatus
from dashboard.priority import (
    MAX_REACH_POINTS,
    REACH_POINTS_PER_DECADE,
    compute_priority,
    priority_breakdown,
    reach_points,
)
from desk.ingest import Submission, report_existing
from desk.queue import priority_band
from tests.factories import ClipFactory


@pytest.mark.parametrize(
    ("reach", "points"),
    [
        (None, 0.0),
        (0, 0.0),
        (999, 0.0),
        (1_000, 0.0),
        (10_000, 20.0),
        (100_000, 40.0),
        (1_500_000, 63.522),
        (10_000_000, 80.0),
        (100_000_000, 100.0),
        (10**12, 100.0),  # capped: one enormous number never drowns everything else
    ],
)
def test_reach_points_follow_the_documented_log_scale(reach, points):
    assert reach_points(reach) == pytest.approx(points, abs=0.001)


def test_each_tenfold_is_the_same_step():
    steps = [reach_points(10**k) - reach_points(10 ** (k - 1)) for k in range(5, 9)]
    assert steps == [REACH_POINTS_PER_DECADE] * 4
    assert reach_points(2 * 10**6) > reach_points(10**6) > reach_points(10**5)
    assert max(reach_points(10**k) for k in range(20)) == MAX_REACH_POINTS
    assert reach_points(31_623) == pytest.approx(20 * (math.log10(31_623) - 3), abs=0.001)


@pytest.mark.django_db
def test_a_report_stating_reach_raises_the_stored_priority():
    quiet = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    viral = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    report_existing(quiet, Submission(), None)
    report_existing(viral, Submission(reach=1_500_000), None)
    quiet.refresh_from_db()
    viral.refresh_from_db()
    assert viral.priority == pytest.approx(quiet.priority + 63.522, abs=0.01)
    assert dict(priority_breakdown(viral))["Stated reach"] == pytest.approx(63.522, abs=0.001)
    assert viral.priority == compute_priority(viral)
    # A larger statement raises it again; the queue sorts by the stored value.
    report_existing(viral, Submission(reach=50_000_000), None)
    viral.refresh_from_db()
    assert dict(priority_breakdown(viral))["Stated reach"] == pytest.approx(93.979, abs=0.001)
    assert priority_band(viral.priority) == "high"  # two reports + 50 M views
