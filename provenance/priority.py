"""Provenance's contribution to the queue's priority: a match with a known fake."""

from dashboard.hooks import PriorityContribution, priority_contributions
from dashboard.models import Clip
from provenance.models import BankKind

KNOWN_FAKE_MATCH_BONUS = 60.0


def matches_known_fake(clip: Clip) -> bool:
    return clip.bank_matches.filter(
        marked_wrong_at__isnull=True,
        entry__quarantined_at__isnull=True,
        entry__bank__kind=BankKind.KNOWN_FAKE,
    ).exists()


def register() -> None:
    priority_contributions.register(
        "known_fake_match",
        PriorityContribution(
            "known_fake_match",
            "Matches a known fake",
            lambda clip: KNOWN_FAKE_MATCH_BONUS if matches_known_fake(clip) else 0.0,
        ),
    )
