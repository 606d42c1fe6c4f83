"""Decisions: approve, label, remove or escalate a clip — the one place a Decision is written.

`record_decision` is what a decision means, whoever decides (a moderator at the desk, a second
moderator confirming under the two-person rule, a bank's auto-apply policy): under the clip's
row lock it moves the clip through the state machine (audited), writes the immutable Decision
with the evidence seen, sets its labels, tells the `decision_recorded` hooks (the webhook
outbox) inside the transaction and the `decision_committed` hooks (banking) after commit.
`propose_decision` asks the `decision_checks` first (a satellite's refusal: approving a known
fake without a reason), then the `decision_guards` (the two-person rule), which may hold the
decision for a person to confirm instead. `apply_decision` is the desk's entry: it checks
role, claim, state, version, labels and reasons, then proposes. A refused decision changes
nothing.

Satellites contribute only through `dashboard.hooks`; this module imports none of them.

What a moderator adds while reviewing (a note) is audited here too; tagging and untagging the
persons a clip depicts is `dashboard.persons` (add_person, remove_person).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dashboard import hooks
from dashboard.claims import ClaimError, check_can_review, claim_clip
from dashboard.constants import (
    DECISION_TARGET,
    AccountRecommendation,
    ClipStatus,
    DecisionAction,
)
from dashboard.errors import ServiceError
from dashboard.models import AuditEvent, Clip, Decision, Label
from dashboard.roles import is_moderator
from dashboard.signals import gather_signals, suspicion_level
from dashboard.workflow import StaleVersionError, TransitionError, record_event, transition


class DecisionError(ServiceError):
    """A decision was refused; `code` is stable for the API, `status` its HTTP status."""


@dataclass(frozen=True)
class DecisionRequest:
    action: str
    labels: Sequence[str] = ()  # label slugs
    note: str = ""
    reason: str = ""
    expected_version: int | None = None
    # What the page knows about how the moderator saw the clip (e.g. nothing playable yet),
    # added to the decision's evidence.
    seen: Mapping[str, Any] = field(default_factory=dict)
    # What the platform is advised to do with the uploader's account (the webhook sends it).
    account_recommendation: str = AccountRecommendation.NONE


def validate_request(request: DecisionRequest) -> list[Label]:
    """The request's labels, or DecisionError when the action, labels or reason are wrong."""
    if request.action not in DecisionAction.values:
        raise DecisionError(
            "invalid_action", _("Unknown action %(action)r.") % {"action": request.action}
        )
    slugs = list(dict.fromkeys(request.labels))
    labels = list(Label.objects.filter(slug__in=slugs, active=True))
    unknown = set(slugs) - {label.slug for label in labels}
    if unknown:
        raise DecisionError(
            "unknown_label",
            _("Unknown labels: %(labels)s.") % {"labels": ", ".join(sorted(unknown))},
        )
    if request.account_recommendation not in AccountRecommendation.values:
        raise DecisionError(
            "invalid_recommendation",
            _("Unknown account recommendation %(value)r.")
            % {"value": request.account_recommendation},
        )
    if request.action == DecisionAction.LABEL and not labels:
        raise DecisionError("labels_required", _("Choose at least one label."))
    if request.action in (DecisionAction.REMOVE, DecisionAction.ESCALATE) and not (
        request.reason.strip()
    ):
        raise DecisionError("reason_required", _("Give a reason for this action."))
    return labels


def evidence_for(clip: Clip) -> dict[str, Any]:
    """What the decider saw, kept with the decision so it can be reproduced later.

    The core keeps the score, reports, reach and the active run; satellites add theirs
    (Content Credentials, bank matches) through `hooks.decision_evidence`.
    """
    run = clip.active_run()
    # The record keeps the signals' sentences in the project's language, whoever decided in
    # which language: an audit trail reads the same for every reader.
    with translation.override(settings.LANGUAGE_CODE):
        signals = gather_signals(clip)
        signal_records = [signal.as_dict() for signal in signals]
    evidence: dict[str, Any] = {
        "score": clip.score,
        "reports": clip.reports.count(),
        "reach": clip.reach,
        "suspicion": suspicion_level(signals).label,
        "signals": signal_records,
    }
    for contribute in hooks.decision_evidence:
        evidence.update(contribute(clip))
    if run is not None:
        evidence.update(
            {
                "model": run.model.name,
                "model_version": run.model.version,
                "model_sha256": run.model.sha256,
                "run": run.pk,
                "score": run.clip_score,
                "threshold": run.threshold,
                "frames_scored": run.frames_scored,
                "faces_found": run.faces_found,
            }
        )
    return evidence


def _check_actor(actor: AbstractBaseUser | None, actor_label: str) -> None:
    if actor is None and not actor_label:
        raise ValueError("A decision needs a moderator or, for the system, an actor label.")


def record_decision(
    clip: Clip,
    *,
    actor: AbstractBaseUser | None,
    action: str,
    actor_label: str = "",
    labels: Sequence[Label] = (),
    note: str = "",
    reason: str = "",
    evidence: dict[str, Any] | None = None,
    audit_action: str = "",
    audit_data: dict[str, Any] | None = None,
    supersedes: Decision | None = None,
    account_recommendation: str = AccountRecommendation.NONE,
) -> Decision:
    """Record a decision on `clip` (locked by the caller's transaction): everything it means.

    `actor` is the moderator, or None for the system (then `actor_label` says which policy).
    `evidence` defaults to `evidence_for(clip)`; `audit_action` to "decision.<action>", with
    `audit_data` added to the audit row. `supersedes` is the decision an overturned appeal
    replaces (teamwork.appeals): the clip then moves out of its final state
    (workflow.APPEAL_TRANSITIONS), both decisions are linked (the new one's evidence names the
    old, `Decision.supersedes_id`, and so does the audit row), and
    the hooks hear of it like any decision (the webhook names the previous decision, a bank
    entry made from it is removed).
    `account_recommendation` is what the platform is advised to do with the uploader's account
    (the webhook carries it; nothing acts on it here). Raises DecisionError when the state
    machine refuses.
    """
    _check_actor(actor, actor_label)
    labels = list(labels)
    if evidence is None:
        evidence = evidence_for(clip)
    if supersedes is not None:
        # Kept in the evidence rather than a column: the decision table is append-only and
        # watched by the team dashboard's triggers (insight), so it keeps its schema.
        evidence = {**evidence, "supersedes": supersedes.pk}
    with transaction.atomic():
        try:
            result = transition(
                clip.pk,
                DECISION_TARGET[DecisionAction(action)],
                actor=actor,
                actor_label=actor_label,
                action=audit_action or f"decision.{action}",
                fields={"claimed_by": None, "claim_expires_at": None},
                data={
                    "labels": [label.slug for label in labels],
                    "reason": reason,
                    "evidence": evidence,
                    **({"supersedes": supersedes.pk} if supersedes is not None else {}),
                    **(
                        {"account_recommendation": account_recommendation}
                        if account_recommendation != AccountRecommendation.NONE
                        else {}
                    ),
                    **(audit_data or {}),
                },
                by_appeal=supersedes is not None,
            )
        except StaleVersionError as exc:  # pragma: no cover - callers hold the row lock
            raise DecisionError("stale_version", str(exc), 409) from exc
        except TransitionError as exc:
            raise DecisionError("invalid_transition", str(exc), 409) from exc
        decision = Decision.objects.create(
            clip=result.clip,
            action=action,
            note=note,
            reason=reason,
            moderator=actor,
            actor_label="" if actor is not None else actor_label,
            evidence=evidence,
            account_recommendation=account_recommendation,
        )
        if labels:
            decision.labels.set(labels)
        for listener in hooks.decision_recorded:
            listener(decision, labels)
        for after_commit in hooks.decision_committed:
            work = after_commit(decision, labels)
            if work is not None:
                transaction.on_commit(work)
    return decision


def propose_decision(
    clip: Clip,
    *,
    actor: AbstractBaseUser | None,
    action: str,
    actor_label: str = "",
    labels: Sequence[Label] = (),
    note: str = "",
    reason: str = "",
    evidence: dict[str, Any] | None = None,
    audit_data: dict[str, Any] | None = None,
    account_recommendation: str = AccountRecommendation.NONE,
) -> Decision | Model:
    """Record a decision unless a `decision_checks` hook refuses it (DecisionError) or a
    `decision_guards` hook holds it (the two-person rule).

    Returns the Decision, or the record that holds it (a pending decision). Call inside a
    transaction with the clip row locked.
    """
    _check_actor(actor, actor_label)
    labels = list(labels)
    if evidence is None:
        evidence = evidence_for(clip)
    proposal = hooks.ProposedDecision(
        clip=clip,
        action=action,
        labels=labels,
        note=note,
        reason=reason,
        evidence=evidence,
        actor=actor,
        actor_label=actor_label,
        audit_data=audit_data or {},
        account_recommendation=account_recommendation,
    )
    for check in hooks.decision_checks:
        check(proposal)
    for guard in hooks.decision_guards:
        held = guard(proposal)
        if held is not None:
            return held
    return record_decision(
        clip,
        actor=actor,
        actor_label=actor_label,
        action=action,
        labels=labels,
        note=note,
        reason=reason,
        evidence=evidence,
        audit_data=audit_data,
        account_recommendation=account_recommendation,
    )


def apply_decision(
    clip_id: int, user: AbstractBaseUser, request: DecisionRequest, *, claim: bool = False
) -> Decision | Model:
    """The desk's decision: check it, then record it — or, when a guard (the two-person rule)
    covers it, hold it for a second moderator and return what holds it.

    With `claim`, a clip nobody holds is claimed for `user` in the same transaction (the review
    page's first decision key on a clip only looked at); one someone else holds is refused."""
    labels = validate_request(request)
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        try:
            check_can_review(clip, user)
        except ClaimError as exc:
            raise DecisionError(exc.code, exc.message, exc.status) from exc
        if request.expected_version is not None and clip.version != request.expected_version:
            raise DecisionError(
                "stale_version", _("This clip changed since you opened it; reload and check."), 409
            )
        if claim and not _holds(clip, user):
            try:
                clip = claim_clip(clip.pk, user).clip
            except ClaimError as exc:
                raise DecisionError(exc.code, exc.message, exc.status) from exc
        if clip.claimed_by_id != user.pk or (
            clip.claim_expires_at is not None and clip.claim_expires_at < timezone.now()
        ):
            raise DecisionError(
                "not_held",
                _("Claim the clip before deciding it (your claim may have expired)."),
                409,
            )
        if clip.status == ClipStatus.ESCALATED and request.action == DecisionAction.ESCALATE:
            raise DecisionError("already_escalated", _("This clip is already escalated."), 409)
        return propose_decision(
            clip,
            actor=user,
            evidence={**evidence_for(clip), **request.seen},
            action=request.action,
            labels=labels,
            note=request.note,
            reason=request.reason,
            account_recommendation=request.account_recommendation,
        )


def _holds(clip: Clip, user: AbstractBaseUser) -> bool:
    return clip.claimed_by_id == user.pk and (
        clip.claim_expires_at is None or clip.claim_expires_at >= timezone.now()
    )


def _check_moderator(user: AbstractBaseUser) -> None:
    if not is_moderator(user):
        raise DecisionError("forbidden", _("Only moderators change clips."), 403)


def add_note(clip_id: int, user: AbstractBaseUser, text: str) -> AuditEvent:
    """A moderator's note on a clip: an audited event, never edited afterwards."""
    _check_moderator(user)
    text = text.strip()
    if not text:
        raise DecisionError("note_required", _("Write the note first."))
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        return record_event(clip, "clip.note", actor=user, data={"note": text[:5000]})
