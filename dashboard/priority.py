"""The queue's priority: one function summing the contributions the apps declare.

Each contribution is registered in `dashboard.hooks.priority_contributions` by the app that owns
the fact it weighs, so a new signal adds a contribution instead of editing a formula:

    core        8 per report, counting at most 10 reports whose      (this module)
                statements stand (not pending a moderator's review,
                not dismissed: dashboard/reports.py)
    core        40 when a protected person is depicted               (this module)
    detection   100 × detector score (0 when not scored yet)         (detection/priority.py)
    provenance  60 when it matches a known fake (not marked wrong,   (provenance/priority.py)
                not quarantined)

The sum is stored on the clip (`Clip.priority`, indexed with status and arrival). Ties go to the
older clip (the queue sorts by priority, then by arrival), so age breaks ties and nothing waits
forever behind newer clips of the same weight.
"""

from dashboard.constants import ReportStatement
from dashboard.hooks import PriorityContribution, priority_contributions
from dashboard.models import Clip

REPORT_WEIGHT = 8.0
MAX_COUNTED_REPORTS = 10
PROTECTED_PERSON_BONUS = 40.0


def report_points(reports: int) -> float:
    return REPORT_WEIGHT * min(reports, MAX_COUNTED_REPORTS)


def protected_points(protected: bool) -> float:
    return PROTECTED_PERSON_BONUS if protected else 0.0


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
