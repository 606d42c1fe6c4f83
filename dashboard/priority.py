"""The queue's priority: one function summing the contributions the apps declare.

Each contribution is registered in `dashboard.hooks.priority_contributions` by the app that owns
the fact it weighs, so a new signal adds a contribution instead of editing a formula:

    core        8 per report, counting at most 10 reports whose      (this module)
                statements stand (not pending a moderator's review,
                not dismissed: dashboard/reports.py)
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

So an uncalibrated number never drives the queue: the baseline's score above its threshold is
a weak hint (15 points, less than two reports), a known-fake match or valid Content Credentials
declaring generative AI are conclusive (100), and a clip without a face gets nothing from the
model. The SLA band follows the priority (teamwork.sla.band_for), so the same holds for it.

The sum is stored on the clip (`Clip.priority`, indexed with status and arrival). Ties go to the
older clip (the queue sorts by priority, then by arrival), so age breaks ties and nothing waits
forever behind newer clips of the same weight.
"""

from dashboard.accounts import prior_actioned_items
from dashboard.constants import ReportStatement
from dashboard.hooks import PriorityContribution, priority_contributions
from dashboard.models import Clip
from dashboard.signals import SuspicionLevel, gather_signals, suspicion_level

REPORT_WEIGHT = 8.0
MAX_COUNTED_REPORTS = 10
PROTECTED_PERSON_BONUS = 40.0
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


def protected_points(protected: bool) -> float:
    return PROTECTED_PERSON_BONUS if protected else 0.0


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
        "protected_person",
        PriorityContribution(
            "protected_person",
            "Protected person depicted",
            lambda clip: protected_points(clip.persons.filter(protected=True).exists()),
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
    value = compute_priority(clip)
    Clip.objects.filter(pk=clip.pk).update(priority=value)
    clip.priority = value
    return value
