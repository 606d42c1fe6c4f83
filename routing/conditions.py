"""What a routing rule asks of an item, and the facts of an item that answer it.

`ClipFacts` reads each fact once, only when a rule asks for it, so routing an item costs a
query per fact consulted whatever the number of rules:

    protected person     a depicted person is marked protected             (core)
    stated reach         the largest reach a report stated (Clip.reach)    (core)
    known-fake match     an active match with a known-fake bank entry      (provenance)
    reference match      an active match with an authentic reference       (provenance)
    suspicion level      the strongest level among the signals that fired  (dashboard.signals)
    platform             the platform the item was reported from           (core)
    report reason        a reason any report gave                          (core)
    item kind            video or photo: `Clip.kind` where the core has it,
                         else the stored file's sniffed type (mediatypes)
    extra conditions     registered by other apps (dashboard.hooks.routing_conditions)

Caption language is not a condition: nothing in the desk detects a caption's language yet, and
routing on a guess nobody stored would send items where nobody can see why.
"""

from __future__ import annotations

from functools import cached_property

from dashboard.hooks import routing_conditions
from dashboard.mediatypes import content_type_for
from dashboard.models import Clip, Report
from dashboard.signals import SuspicionLevel, gather_signals, suspicion_level
from provenance.models import BankKind, BankMatch
from routing.models import ItemKind, RoutingRule

LEVELS = {
    "weak": SuspicionLevel.WEAK,
    "strong": SuspicionLevel.STRONG,
    "conclusive": SuspicionLevel.CONCLUSIVE,
}


class ClipFacts:
    """The facts routing reads about one clip, each read on first use."""

    def __init__(self, clip: Clip) -> None:
        self.clip = clip

    @cached_property
    def protected_person(self) -> bool:
        return self.clip.persons.filter(protected=True).exists()

    @property
    def reach(self) -> int:
        return self.clip.reach or 0

    @cached_property
    def matched_bank_kinds(self) -> set[str]:
        """Kinds of bank with an active match (not marked wrong, entry not quarantined)."""
        return set(
            BankMatch.objects.filter(
                clip_id=self.clip.pk,
                marked_wrong_at__isnull=True,
                entry__quarantined_at__isnull=True,
            ).values_list("entry__bank__kind", flat=True)
        )

    @cached_property
    def suspicion(self) -> SuspicionLevel:
        return suspicion_level(gather_signals(self.clip))

    @property
    def platform(self) -> str:
        return (self.clip.platform or "").strip().lower()

    @cached_property
    def report_reasons(self) -> set[str]:
        return set(Report.objects.filter(clip_id=self.clip.pk).values_list("reason", flat=True))

    @property
    def kind(self) -> str:
        # Another change may give the clip a `kind` of its own; until then the stored file's
        # sniffed type answers (an image type is a photo, anything else a video).
        kind = getattr(self.clip, "kind", None)
        if kind:
            return str(kind)
        is_image = content_type_for(self.clip.file.name or "").startswith("image/")
        return ItemKind.PHOTO if is_image else ItemKind.VIDEO


def rule_matches(rule: RoutingRule, facts: ClipFacts) -> bool:
    """Whether the item meets every condition `rule` sets (cheap fields first)."""
    if rule.min_reach is not None and facts.reach < rule.min_reach:
        return False
    if rule.platforms and facts.platform not in rule.platform_list:
        return False
    if rule.item_kind and facts.kind != rule.item_kind:
        return False
    if rule.protected_person and not facts.protected_person:
        return False
    if rule.known_fake_match and BankKind.KNOWN_FAKE not in facts.matched_bank_kinds:
        return False
    if rule.reference_match and BankKind.REFERENCE not in facts.matched_bank_kinds:
        return False
    if rule.report_reason and rule.report_reason not in facts.report_reasons:
        return False
    if rule.min_suspicion and facts.suspicion < LEVELS[rule.min_suspicion]:
        return False
    registered = {condition.key: condition for condition in routing_conditions}
    for key, parameter in (rule.extra_conditions or {}).items():
        condition = registered.get(key)
        # A condition whose app is gone cannot hold: the rule stops matching rather than
        # matching everything.
        if condition is None or not condition.holds(facts.clip, parameter):
            return False
    return True


def has_condition(rule: RoutingRule) -> bool:
    """Whether `rule` tests anything (a rule without conditions would swallow every item)."""
    return bool(
        rule.protected_person
        or rule.min_reach is not None
        or rule.known_fake_match
        or rule.reference_match
        or rule.min_suspicion
        or rule.platform_list
        or rule.report_reason
        or rule.item_kind
        or rule.extra_conditions
    )
