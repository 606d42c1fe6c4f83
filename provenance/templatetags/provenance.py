"""The provenance panels on the clip page: Content Credentials, the known fakes and authentic
references the clip matches, and the known-fake panel at the top of the evidence."""

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.translation import gettext

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

register = template.Library()


@register.inclusion_tag("provenance/_clip_panel.html", takes_context=True)
def provenance_panel(context: dict[str, Any], clip: Clip) -> dict[str, Any]:
    matches = active_matches(clip)
    fakes = [m for m in matches if m.entry.bank.kind == BankKind.KNOWN_FAKE]
    slugs = {slug for m in fakes for slug in m.entry.labels or []}
    names = dict(Label.objects.filter(slug__in=slugs).values_list("slug", "name")) if slugs else {}
    for m in fakes:  # names, not slugs, on the page
        m.label_names = [names.get(slug, slug) for slug in m.entry.labels or []]
    return {
        "clip": clip,
        "csrf_token": context.get("csrf_token"),
        "fakes": fakes,
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
        reason=reason or gettext("Banked decision of known fake #%(entry)s.") % {"entry": entry.pk},
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
        "banked": banked_decision(clip),
    }


@register.inclusion_tag("provenance/_known_fake_approve.html")
def known_fake_approve_reason(clip: Clip) -> dict[str, Any]:
    """In the approve dialog: approving a known fake asks for a reason (and a second person)."""
    return {"known_fake": is_known_fake(clip)}
