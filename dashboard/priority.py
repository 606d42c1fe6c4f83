"""The queue's priority rule, in one place.

priority = 100 × detector score (0 when not scored yet)
         + 8 per report, counting at most 10 reports
         + 40 when a protected person is depicted
         + 60 when it matches a known fake (provenance bank; not marked wrong, not quarantined)
Ties go to the older clip (the queue sorts by priority, then by arrival), so age breaks ties
and nothing waits forever behind newer clips of the same weight.
"""

from dashboard.models import Clip
from provenance.models import BankKind

SCORE_WEIGHT = 100.0
REPORT_WEIGHT = 8.0
MAX_COUNTED_REPORTS = 10
PROTECTED_PERSON_BONUS = 40.0
KNOWN_FAKE_MATCH_BONUS = 60.0


def priority_from(
    score: float | None, reports: int, protected: bool, known_fake: bool = False
) -> float:
    value = SCORE_WEIGHT * (score or 0.0)
    value += REPORT_WEIGHT * min(reports, MAX_COUNTED_REPORTS)
    if protected:
        value += PROTECTED_PERSON_BONUS
    if known_fake:
        value += KNOWN_FAKE_MATCH_BONUS
    return round(value, 3)


def compute_priority(clip: Clip) -> float:
    return priority_from(
        clip.score,
        clip.reports.count(),
        clip.persons.filter(protected=True).exists(),
        clip.bank_matches.filter(
            marked_wrong_at__isnull=True,
            entry__quarantined_at__isnull=True,
            entry__bank__kind=BankKind.KNOWN_FAKE,
        ).exists(),
    )


def refresh_priority(clip: Clip) -> float:
    value = compute_priority(clip)
    Clip.objects.filter(pk=clip.pk).update(priority=value)
    clip.priority = value
    return value
