"""The provenance panel on the clip page: Content Credentials, and the known fakes and
authentic references the clip matches."""

from typing import Any

from django import template

from dashboard.models import Clip
from provenance.models import BankKind
from provenance.services import active_matches, closer_to_reference, credentials_for

register = template.Library()


@register.inclusion_tag("provenance/_clip_panel.html", takes_context=True)
def provenance_panel(context: dict[str, Any], clip: Clip) -> dict[str, Any]:
    matches = active_matches(clip)
    return {
        "clip": clip,
        "csrf_token": context.get("csrf_token"),
        "fakes": [m for m in matches if m.entry.bank.kind == BankKind.KNOWN_FAKE],
        "references": [m for m in matches if m.entry.bank.kind == BankKind.REFERENCE],
        "credentials": credentials_for(clip),
        "closer_to_reference": closer_to_reference(matches),
    }
