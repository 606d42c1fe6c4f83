"""The provenance panels on the clip page: Content Credentials, the known fakes and authentic
references the clip matches, and the known-fake panel at the top of the evidence."""

import re
from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dashboard.constants import DecisionAction
from dashboard.models import Clip, Decision, Label
from provenance.models import BankEntry, BankKind, BankMatch
from provenance.services import (
    active_matches,
    banked_persons,
    closer_to_reference,
    credentials_for,
    is_known_fake,
    known_fake_matches,
)
from provenance.signals import action_name

register = template.Library()


@register.inclusion_tag("provenance/_clip_panel.html", takes_context=True)
def provenance_panel(context: dict[str, Any], clip: Clip) -> dict[str, Any]:
    matches = active_matches(clip)
    slugs = {slug for m in matches for slug in m.entry.labels or []}
    names = {label.slug: label.display_name for label in Label.objects.filter(slug__in=slugs)}
    for match in matches:
        # A banked entry keeps label slugs and the decision's code: shown in words.
        match.label_names = [names.get(slug, slug) for slug in match.entry.labels or []]
        match.action_name = action_name(match.entry.decision_action)
    return {
        "clip": clip,
        "csrf_token": context.get("csrf_token"),
        "fakes": [m for m in matches if m.entry.bank.kind == BankKind.KNOWN_FAKE],
        "references": [m for m in matches if m.entry.bank.kind == BankKind.REFERENCE],
        "credentials": credentials_for(clip),
        "closer_to_reference": closer_to_reference(matches),
    }


@dataclass(frozen=True)
class BankedDecision:
    """What the review page's known-fake panel shows of the best known-fake match."""

    match: BankMatch
    original: Clip | None
    decision: Decision | None
    action: str
    action_label: str
    labels: list[Label]
    persons: list[str]
    untagged: list[str]
    reason: str
    # The banked decision can be applied as it was: a removal, or a label still offered.
    applicable: bool


def banked_decision(clip: Clip) -> BankedDecision | None:
    """The best active known-fake match of `clip`, with the decision it carries in words."""
    fakes = known_fake_matches(clip)
    if not fakes:
        return None
    match = fakes[0]
    entry = BankEntry.objects.select_related("clip", "decision__moderator", "bank").get(
        pk=match.entry_id
    )
    match.entry = entry
    labels = list(Label.objects.filter(slug__in=entry.labels or []).order_by("name"))
    persons = banked_persons(entry)
    tagged = {p.name.casefold() for p in clip.persons.all()}
    action = entry.decision_action
    action_label = entry.decision_action_label
    active_labels = [label for label in labels if label.active]
    applicable = action == DecisionAction.REMOVE or (
        action == DecisionAction.LABEL and bool(active_labels)
    )
    reason = entry.decision.reason if entry.decision is not None else ""
    return BankedDecision(
        match=match,
        original=entry.clip,
        decision=entry.decision,
        action=action,
        action_label=action_label,
        labels=labels,
        persons=persons,
        untagged=[name for name in persons if name.casefold() not in tagged],
        reason=reason or _("Banked decision of known fake #%(entry)s.") % {"entry": entry.pk},
        applicable=applicable,
    )


@register.inclusion_tag("provenance/_known_fake.html", takes_context=True)
def known_fake_panel(context: dict[str, Any], clip: Clip) -> dict[str, Any]:
    """The known-fake match at the top of the evidence: the original and its decision, the
    persons it depicts offered for tagging, and *Apply banked decision* (through the desk's
    decision form, so the decision service and the two-person rule apply as to any)."""
    return {
        "clip": clip,
        "csrf_token": context.get("csrf_token"),
        "can_decide": context.get("can_decide", False),
        "can_edit_persons": context.get("can_edit_persons", False),
        "persons_on_start": context.get("persons_on_start", False),
        "banked": banked_decision(clip),
    }


@register.inclusion_tag("provenance/_known_fake_approve.html")
def known_fake_approve_reason(clip: Clip) -> dict[str, Any]:
    """In the approve dialog: approving a known fake asks for a reason (and a second person)."""
    return {"known_fake": is_known_fake(clip)}


# The words provenance.matching stores for a match's transformation (English, one part per
# comma), read back part by part for the reader; a part worded otherwise is shown as stored.
_BAND = re.compile(
    r"(?P<colour>\w+) band(?P<caption> with caption)? \((?P<side>\w+), (?P<share>\d+) %\) removed"
)
# Parts are joined by ", "; a band's own "(top, 12 %)" holds one too.
_PARTS = re.compile(r", (?![^(]*\))")
_OVERLAY = re.compile(r"overlay elsewhere \(matched on the (?P<half>\w+) half\)")


def _place(word: str) -> str:
    return {
        "top": pgettext("side of a picture", "top"),
        "bottom": pgettext("side of a picture", "bottom"),
        "left": pgettext("side of a picture", "left"),
        "right": pgettext("side of a picture", "right"),
    }.get(word, word)


def _colour(word: str) -> str:
    return {
        "black": _("black"),
        "white": _("white"),
        "grey": _("grey"),
        "red": _("red"),
        "green": _("green"),
        "blue": _("blue"),
        "yellow": _("yellow"),
    }.get(word, word)


def _transform_part(part: str) -> str:
    fixed = {
        "mirrored": _("mirrored"),
        "cropped or zoomed ~10 %": _("cropped or zoomed ~10 %"),
        "cropped ~20 %": _("cropped ~20 %"),
    }
    if part in fixed:
        return fixed[part]
    if match := _BAND.fullmatch(part):
        words = {
            "colour": _colour(match["colour"]),
            "side": _place(match["side"]),
            "share": match["share"],
        }
        if match["caption"]:
            return _("%(colour)s band with caption (%(side)s, %(share)s %%) removed") % words
        return _("%(colour)s band (%(side)s, %(share)s %%) removed") % words
    if match := _OVERLAY.fullmatch(part):
        return _("overlay elsewhere (matched on the %(half)s half)") % {
            "half": _place(match["half"])
        }
    return part


@register.filter
def transform_words(stored: str | None) -> str:
    """A match's recognised transformation in the reader's language."""
    if not stored:
        return ""
    return ", ".join(_transform_part(part) for part in _PARTS.split(stored))
