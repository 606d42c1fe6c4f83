"""The queue's priority: one function summing the contributions the apps declare.

Each contribution is registered in `dashboard.hooks.priority_contributions` by the app that owns
the fact it weighs, so a new signal adds a contribution instead of editing a formula:

    core        8 per report, counting at most 10 reports whose      (this module)
                statements stand (not pending a moderator's review,
                not dismissed: dashboard/reports.py)
    core        reach (the largest view count a report stated, see   (this module)
                dashboard/reports.py) on a log scale: 20 points per
                tenfold views above 1,000, at most 100 (reached at
                100 million); nothing without a stated reach:
                    points = min(100, 20 × max(0, log10(reach) − 3))
                so 10,000 views give 20, 1.5 million give 63.5,
                10 million give 80
    core        40 when a protected person is depicted               (this module)
    core        6 per other item of the same uploader removed or     (this module,
                labelled in the last 30 days, counting at most 5      dashboard/accounts.py)
                (so at most 30: a repeat uploader comes sooner, but
                never outweighs a protected person or the evidence)
    core        the suspicion level over every app's signals         (this module,
                (dashboard.signals): none 0, weak 15, strong 60,      dashboard/signals.py)
                conclusive 100
    detection   100 × detector score, only from a model trusted on   (detection/priority.py)
                real data (detection.validation); 0 for the baseline,
                validated on synthetic data only, and 0 when the
                model found no face to judge
    provenance  the high band's floor (UNMASK_SLA_HIGH_PRIORITY,      (provenance/priority.py)
                100 by default) when an active match is to a known
                fake whose banked decision removed it, so such a
                re-upload is in the high band whatever else it has

So an uncalibrated number never drives the queue: the baseline's score above its threshold is
a weak hint (15 points, less than two reports), a known-fake match or valid Content Credentials
declaring generative AI are conclusive (100), and a clip without a face gets nothing from the
model. The SLA band follows the priority (teamwork.sla.band_for), so the same holds for it.

The sum is stored on the clip (`Clip.priority`, indexed with status and arrival). Ties go to the
older clip (the queue sorts by priority, then by arrival), so age breaks ties and nothing waits
forever behind newer clips of the same weight.
"""

import math

from dashboard.accounts import prior_actioned_items
from dashboard.constants import MatchState, ReportStatement
from dashboard.hooks import PriorityContribution, clip_facts_changed, priority_contributions
from dashboard.models import Clip, NameSuggestion
from dashboard.signals import SuspicionLevel, gather_signals, suspicion_level

REPORT_WEIGHT = 8.0
MAX_COUNTED_REPORTS = 10
PROTECTED_PERSON_BONUS = 40.0
# Reach: REACH_POINTS_PER_DECADE for every tenfold views above REACH_FLOOR, capped.
REACH_FLOOR = 1_000
REACH_POINTS_PER_DECADE = 20.0
MAX_REACH_POINTS = 100.0
REPEAT_UPLOADER_WEIGHT = 6.0
MAX_COUNTED_PRIOR_ITEMS = 5
LEVEL_POINTS = {
    SuspicionLevel.NONE: 0.0,
    SuspicionLevel.WEAK: 15.0,
    SuspicionLevel.STRONG: 60.0,
    SuspicionLevel.CONCLUSIVE: 100.0,
}


def level_points(level: SuspicionLevel) -> float:
    return LEVEL_POINTS[level]


def report_points(reports: int) -> float:
    return REPORT_WEIGHT * min(reports, MAX_COUNTED_REPORTS)


def reach_points(reach: int | None) -> float:
    """Points for a stated reach, on a log scale (the formula is in the module docstring):
    ten times the views is worth the same step at any size, so a viral clip outranks a
    quiet one without a single large number drowning every other contribution."""
    if not reach or reach <= REACH_FLOOR:
        return 0.0
    decades = math.log10(reach) - math.log10(REACH_FLOOR)
    return round(min(MAX_REACH_POINTS, REACH_POINTS_PER_DECADE * decades), 3)


def protected_points(protected: bool) -> float:
    return PROTECTED_PERSON_BONUS if protected else 0.0


def _depicts_protected(clip: Clip) -> bool:
    """A protected person tagged now, or a spelling close to one that no senior has linked or
    rejected yet (dashboard.identity: fail closed, as the two-person rule)."""
    return (
        clip.persons.filter(protected=True).exists()
        or NameSuggestion.objects.filter(
            clip=clip, state=MatchState.PENDING, candidate__protected=True
        ).exists()
    )


def repeat_uploader_points(prior_items: int) -> float:
    """Points for an uploader whose other items were removed or labelled lately (bounded)."""
    return REPEAT_UPLOADER_WEIGHT * min(prior_items, MAX_COUNTED_PRIOR_ITEMS)


def register_core_contributions() -> None:
    """The core's own contributions; called from DashboardConfig.ready()."""
    priority_contributions.register(
        "reports",
        PriorityContribution(
            "reports",
            "Reports",
            lambda clip: report_points(
                clip.reports.filter(statement=ReportStatement.APPLIED).count()
            ),
        ),
    )
    priority_contributions.register(
        "reach",
        PriorityContribution("reach", "Stated reach", lambda clip: reach_points(clip.reach)),
    )
    priority_contributions.register(
        "protected_person",
        PriorityContribution(
            "protected_person",
            "Protected person depicted",
            lambda clip: protected_points(_depicts_protected(clip)),
        ),
    )
    priority_contributions.register(
        "repeat_uploader",
        PriorityContribution(
            "repeat_uploader",
            "Repeat uploader",
            lambda clip: repeat_uploader_points(prior_actioned_items(clip)),
        ),
    )
    priority_contributions.register(
        "suspicion_level",
        PriorityContribution(
            "suspicion_level",
            "Suspicion level",
            lambda clip: level_points(suspicion_level(gather_signals(clip))),
        ),
    )


def priority_breakdown(clip: Clip) -> list[tuple[str, float]]:
    """Each contribution's label and points for `clip`, in registration order."""
    return [(item.label, float(item.points(clip))) for item in priority_contributions]


def compute_priority(clip: Clip) -> float:
    return round(sum(points for _, points in priority_breakdown(clip)), 3)


def refresh_priority(clip: Clip) -> float:
    """Store the clip's priority again after one of its facts changed, and tell the apps that
    act on such a change (dashboard.hooks.clip_facts_changed: routing re-routes it)."""
    value = compute_priority(clip)
    Clip.objects.filter(pk=clip.pk).update(priority=value)
    clip.priority = value
    for listener in clip_facts_changed:
        listener(clip)
    return value
