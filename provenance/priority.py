"""Provenance's say in the queue's priority: a re-upload of a removed known fake is urgent.

A clip with an active match (not marked wrong, entry not quarantined) to a known-fake entry
whose banked decision was a removal gets the high band's floor, `UNMASK_SLA_HIGH_PRIORITY`
(100 by default), on top of the suspicion level the match already gives (conclusive 100, or
strong 60 when the clip is as close to an authentic reference). So it is in the high band on
its own, whatever its reports and reach say: a removed fake coming back is spreading again.
The formula of the whole sum is in `dashboard/priority.py`.
"""

from django.conf import settings

from dashboard.constants import DecisionAction
from dashboard.hooks import PriorityContribution, priority_contributions
from dashboard.models import Clip
from provenance.models import BankKind, BankMatch


def matches_removed_fake(clip: Clip) -> bool:
    """Whether an active match ties the clip to a known fake whose decision removed it."""
    return BankMatch.objects.filter(
        clip=clip,
        marked_wrong_at__isnull=True,
        entry__quarantined_at__isnull=True,
        entry__bank__kind=BankKind.KNOWN_FAKE,
        entry__decision_action=DecisionAction.REMOVE,
    ).exists()


def removed_fake_points(clip: Clip) -> float:
    return float(settings.UNMASK_SLA_HIGH_PRIORITY) if matches_removed_fake(clip) else 0.0


def register() -> None:
    priority_contributions.register(
        "known_fake_removed",
        PriorityContribution(
            "known_fake_removed", "Matches a removed known fake", removed_fake_points
        ),
    )
