"""The two-person rule: which decisions wait for a second moderator, and how one is held.

`hold_if_covered` is registered as a decision guard (`dashboard.hooks.decision_guards`): before
`dashboard.decisions.propose_decision` records an outcome — a moderator's or the system's (a
bank's auto-apply) — it asks `covering_policies`; when a policy covers it,
`hold_for_confirmation` records the proposal as a PendingDecision and moves the clip to
`awaiting_confirm` (audited) instead. Resolving it is `teamwork.confirmations`.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.hooks import ProposedDecision
from dashboard.models import Clip, Label
from dashboard.persons import has_depicted_protected_person
from dashboard.workflow import transition
from provenance.services import is_known_fake
from teamwork.models import PendingDecision, TwoPersonPolicy

# The actions a policy may cover: an escalation is itself a request for a second look.
COVERABLE_ACTIONS = (DecisionAction.APPROVE, DecisionAction.LABEL, DecisionAction.REMOVE)


def covering_policies(clip: Clip, action: str) -> list[str]:
    """Names of the active policies that make `action` on `clip` need a second moderator.

    A policy covers the action when any trigger it sets matches: a protected person depicted
    (now, or at any time since the clip was reported: untagging one does not lift the rule;
    `dashboard.persons.has_depicted_protected_person`), a hash bank saying the clip is a known
    fake (an active match, `provenance.services.is_known_fake`), at least `min_reports`
    reports, or a reach of at least `min_reach` (a clip with no stated reach never matches on
    reach). Persons, matches and reports are read only when a policy asks.
    """
    if action not in COVERABLE_ACTIONS:
        return []
    # In creation order, so the names recorded on a pending decision never depend on how the
    # database happens to return the rows (PostgreSQL moves an updated row to the end).
    active = TwoPersonPolicy.objects.filter(active=True).order_by("pk")
    policies = [p for p in active if action in p.actions]
    protected: bool | None = None
    known_fake: bool | None = None
    reports: int | None = None
    names = []
    for policy in policies:
        if policy.protected_person:
            if protected is None:
                protected = has_depicted_protected_person(clip)
            if protected:
                names.append(policy.name)
                continue
        if policy.known_fake:
            if known_fake is None:
                known_fake = is_known_fake(clip)
            if known_fake:
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
    user: AbstractBaseUser | None,
    *,
    action: str,
    labels: Sequence[Label],
    note: str,
    reason: str,
    evidence: dict[str, Any],
    covered_by: list[str],
    proposer_label: str = "",
    audit_data: dict[str, Any] | None = None,
    account_recommendation: str = "none",
) -> PendingDecision:
    """Record the proposal of `user` (or, when None, of the system named by `proposer_label`)
    and park the clip until a moderator resolves it.

    Call inside the caller's transaction with the clip row locked (the decision guard is).
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
        proposer_label="" if user is not None else proposer_label,
        account_recommendation=account_recommendation,
    )
    if labels:
        pending.labels.set(labels)
    result = transition(
        clip.pk,
        ClipStatus.AWAITING_CONFIRM,
        actor=user,
        actor_label="" if user is not None else proposer_label,
        action="decision.pending",
        fields={"claimed_by": None, "claim_expires_at": None},
        data={
            "pending": pending.pk,
            "proposed_action": action,
            "labels": [label.slug for label in labels],
            "reason": reason,
            "policies": covered_by,
            "evidence": evidence,
            **(audit_data or {}),
        },
    )
    pending.clip = result.clip  # the row as the transition left it
    return pending


def hold_if_covered(proposal: ProposedDecision) -> PendingDecision | None:
    """The two-person rule as a decision guard (`dashboard.hooks.decision_guards`): hold the
    proposed decision for a second moderator when an active policy covers it."""
    covered_by = covering_policies(proposal.clip, proposal.action)
    if not covered_by:
        return None
    return hold_for_confirmation(
        proposal.clip,
        proposal.actor,
        action=proposal.action,
        labels=proposal.labels,
        note=proposal.note,
        reason=proposal.reason,
        evidence=proposal.evidence,
        covered_by=covered_by,
        proposer_label=proposal.actor_label,
        audit_data=proposal.audit_data,
        account_recommendation=proposal.account_recommendation,
    )
