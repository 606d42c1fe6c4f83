"""The two-person rule: which decisions wait for a second moderator, and how one is held.

`dashboard.decisions.apply_decision` asks `covering_policies` before it applies an outcome; when
a policy covers it, `hold_for_confirmation` records the proposal as a PendingDecision and moves
the clip to `awaiting_confirm` (audited) instead. Resolving it is `teamwork.confirmations`.

This module imports nothing from dashboard.decisions, which imports it.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.models import Clip, Label
from dashboard.persons import has_depicted_protected_person
from dashboard.workflow import transition
from teamwork.models import PendingDecision, TwoPersonPolicy

# The actions a policy may cover: an escalation is itself a request for a second look.
COVERABLE_ACTIONS = (DecisionAction.APPROVE, DecisionAction.LABEL, DecisionAction.REMOVE)


def covering_policies(clip: Clip, action: str) -> list[str]:
    """Names of the active policies that make `action` on `clip` need a second moderator.

    A policy covers the action when any trigger it sets matches: a protected person depicted
    (now, or at any time since the clip was reported: untagging one does not lift the rule;
    `dashboard.persons.has_depicted_protected_person`), at least `min_reports` reports, or a
    reach of at least `min_reach` (a clip with no stated reach never matches on reach). Persons
    and reports are counted only when a policy asks.
    """
    if action not in COVERABLE_ACTIONS:
        return []
    # In creation order, so the names recorded on a pending decision never depend on how the
    # database happens to return the rows (PostgreSQL moves an updated row to the end).
    active = TwoPersonPolicy.objects.filter(active=True).order_by("pk")
    policies = [p for p in active if action in p.actions]
    protected: bool | None = None
    reports: int | None = None
    names = []
    for policy in policies:
        if policy.protected_person:
            if protected is None:
                protected = has_depicted_protected_person(clip)
            if protected:
                names.append(policy.name)
                continue
        reach = clip.reach
        if policy.min_reach is not None and reach is not None and reach >= policy.min_reach:
            names.append(policy.name)
            continue
        if policy.min_reports is not None:
            if reports is None:
                reports = clip.reports.count()
            if reports >= policy.min_reports:
                names.append(policy.name)
    return names


def hold_for_confirmation(
    clip: Clip,
    user: AbstractBaseUser,
    *,
    action: str,
    labels: Sequence[Label],
    note: str,
    reason: str,
    evidence: dict[str, Any],
    covered_by: list[str],
) -> PendingDecision:
    """Record `user`'s proposal and park the clip until another moderator resolves it.

    Call inside the caller's transaction with the clip row locked (apply_decision does).
    """
    pending = PendingDecision.objects.create(
        clip=clip,
        action=action,
        note=note,
        reason=reason,
        evidence=evidence,
        covered_by=covered_by,
        from_status=clip.status,
        proposed_by=user,
    )
    if labels:
        pending.labels.set(labels)
    result = transition(
        clip.pk,
        ClipStatus.AWAITING_CONFIRM,
        actor=user,
        action="decision.pending",
        fields={"claimed_by": None, "claim_expires_at": None},
        data={
            "pending": pending.pk,
            "proposed_action": action,
            "labels": [label.slug for label in labels],
            "reason": reason,
            "policies": covered_by,
            "evidence": evidence,
        },
    )
    pending.clip = result.clip  # the row as the transition left it
    return pending
