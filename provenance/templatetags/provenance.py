"""The provenance panel on the clip page: Content Credentials, and the known fakes and
authentic references the clip matches."""

import re
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dashboard.models import Clip, Label
from provenance.models import BankKind
from provenance.services import active_matches, closer_to_reference, credentials_for
from provenance.signals import action_name

register = template.Library()


@register.inclusion_tag("provenance/_clip_panel.html", takes_context=True)
def provenance_panel(context: dict[str, Any], clip: Clip) -> dict[str, Any]:
    matches = active_matches(clip)
    slugs = {slug for m in matches for slug in m.entry.labels}
    names = {label.slug: label.display_name for label in Label.objects.filter(slug__in=slugs)}
    for match in matches:
        # A banked entry keeps label slugs and the decision's code: shown in words.
        match.label_names = [names.get(slug, slug) for slug in match.entry.labels]
        match.action_name = action_name(match.entry.decision_action)
    return {
        "clip": clip,
        "csrf_token": context.get("csrf_token"),
        "fakes": [m for m in matches if m.entry.bank.kind == BankKind.KNOWN_FAKE],
        "references": [m for m in matches if m.entry.bank.kind == BankKind.REFERENCE],
        "credentials": credentials_for(clip),
        "closer_to_reference": closer_to_reference(matches),
    }


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
