"""What the queue's rows say about a page of clips' bank matches, in a fixed number of queries.

A row shows **known fake** (with the banked decision: "removed", or "labelled: Face swap")
when an active match ties the clip to a known-fake entry, and **authentic source** when it
matches an authentic reference. Read for the whole page at once, inside the rows' own query
(`with_match_badges`), plus one query for label names only when a banked decision labelled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db.models import Exists, JSONField, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from dashboard.constants import DecisionAction
from dashboard.models import Clip, Label
from provenance.models import BankKind, BankMatch


@dataclass
class MatchBadges:
    """A clip's bank matches as a queue row shows them."""

    known_fake: bool = False
    banked_action: str = ""  # the best known-fake match's banked decision ("" when imported)
    banked_labels: list[str] = field(default_factory=list)  # label names, not slugs
    authentic_source: bool = False

    @property
    def banked_decision(self) -> str:
        """The banked decision in words: "removed", "labelled: Face swap", "imported"."""
        if self.banked_action == DecisionAction.REMOVE:
            return _("removed")
        if self.banked_action == DecisionAction.LABEL:
            names = ", ".join(self.banked_labels)
            return _("labelled: %(labels)s") % {"labels": names} if names else _("labelled")
        if self.banked_action == DecisionAction.APPROVE:
            return _("approved")
        return _("imported")


def _active(kind: str) -> QuerySet[BankMatch]:
    return BankMatch.objects.filter(
        clip_id=OuterRef("pk"),
        marked_wrong_at__isnull=True,
        entry__quarantined_at__isnull=True,
        entry__bank__kind=kind,
    )


def with_match_badges(queryset: QuerySet[Clip]) -> QuerySet[Clip]:
    """The rows' query with what the badges need, so the page spends no query of its own on
    them: whether a known fake and an authentic reference match, and the best known-fake
    match's banked action and labels (correlated subqueries over the page's rows only)."""
    best_fake = _active(BankKind.KNOWN_FAKE).order_by("-query_share", "best_distance")
    return queryset.annotate(
        badge_known_fake=Exists(_active(BankKind.KNOWN_FAKE)),
        badge_authentic=Exists(_active(BankKind.REFERENCE)),
        badge_banked_action=Subquery(best_fake.values("entry__decision_action")[:1]),
        badge_banked_labels=Subquery(
            best_fake.values("entry__labels")[:1], output_field=JSONField()
        ),
    )


def match_badges(clips: list[Clip]) -> dict[int, MatchBadges]:
    """Clip id -> its badges, for the clips (read through `with_match_badges`) that match;
    label names cost one query, only when a banked decision labelled."""
    badges: dict[int, MatchBadges] = {}
    slugs: set[str] = set()
    for clip in clips:
        if not (clip.badge_known_fake or clip.badge_authentic):
            continue
        labels = clip.badge_banked_labels
        if isinstance(labels, str):  # a backend that hands the subquery's JSON back as text
            labels = json.loads(labels)
        badge = MatchBadges(
            known_fake=bool(clip.badge_known_fake),
            banked_action=clip.badge_banked_action or "",
            banked_labels=list(labels or []),
            authentic_source=bool(clip.badge_authentic),
        )
        slugs.update(badge.banked_labels)
        badges[clip.pk] = badge
    if slugs:
        names = {label.slug: label.display_name for label in Label.objects.filter(slug__in=slugs)}
        for badge in badges.values():
            badge.banked_labels = [names.get(slug, slug) for slug in badge.banked_labels]
    return badges
