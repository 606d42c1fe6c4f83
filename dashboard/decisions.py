"""Decisions: approve, label, remove or escalate a clip the moderator holds.

`apply_decision` checks everything first (role, claim, state, version, required labels and
reasons), then in one transaction moves the clip through the state machine, writes the immutable
Decision with the evidence the moderator saw, and audits it. A refused decision changes nothing.

What a moderator adds while reviewing (a note, a person depicted or removed) is audited here too.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from dashboard.claims import ClaimError, check_can_review
from dashboard.constants import DECISION_TARGET, ClipStatus, DecisionAction
from dashboard.models import AuditEvent, Clip, Decision, Label, Person
from dashboard.persons import resolve_persons
from dashboard.priority import refresh_priority
from dashboard.roles import is_moderator
from dashboard.signals import gather_signals, suspicion_level
from dashboard.workflow import StaleVersionError, TransitionError, record_event, transition
from integrations.events import decision_event_type, decision_payload, emit
from provenance.models import ClipCredentials
from provenance.tasks import bank_decision_on_commit
from teamwork.models import PendingDecision
from teamwork.policy import covering_policies, hold_for_confirmation


class DecisionError(Exception):
    """A decision was refused; `code` is stable for the API, `status` its HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class DecisionRequest:
    action: str
    labels: Sequence[str] = ()  # label slugs
    note: str = ""
    reason: str = ""
    expected_version: int | None = None


def _validate_request(request: DecisionRequest) -> list[Label]:
    if request.action not in DecisionAction.values:
        raise DecisionError("invalid_action", f"Unknown action {request.action!r}.")
    slugs = list(dict.fromkeys(request.labels))
    labels = list(Label.objects.filter(slug__in=slugs, active=True))
    unknown = set(slugs) - {label.slug for label in labels}
    if unknown:
        raise DecisionError("unknown_label", f"Unknown labels: {', '.join(sorted(unknown))}.")
    if request.action == DecisionAction.LABEL and not labels:
        raise DecisionError("labels_required", "Choose at least one label.")
    if request.action in (DecisionAction.REMOVE, DecisionAction.ESCALATE) and not (
        request.reason.strip()
    ):
        raise DecisionError("reason_required", "Give a reason for this action.")
    return labels


def _credentials_evidence(clip: Clip) -> dict[str, Any] | None:
    """What the clip's C2PA manifest said when the moderator decided; None if not read yet."""
    credentials = ClipCredentials.objects.filter(clip=clip).first()
    if credentials is None:
        return None
    return {**credentials.summary(), "failures": credentials.failures}


def evidence_for(clip: Clip) -> dict[str, Any]:
    """What the moderator saw, kept with the decision so it can be reproduced later."""
    run = clip.active_run()
    signals = gather_signals(clip)
    evidence: dict[str, Any] = {
        "score": clip.score,
        "reports": clip.reports.count(),
        "reach": clip.reach,
        "content_credentials": _credentials_evidence(clip),
        "suspicion": suspicion_level(signals).label,
        "signals": [signal.as_dict() for signal in signals],
    }
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


def apply_decision(
    clip_id: int, user: AbstractBaseUser, request: DecisionRequest
) -> Decision | PendingDecision:
    """Apply `request`, or, when the two-person rule covers it, hold it as a PendingDecision
    for a second moderator (teamwork.policy) and return that instead."""
    labels = _validate_request(request)
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        try:
            check_can_review(clip, user)
        except ClaimError as exc:
            raise DecisionError(exc.code, exc.message, exc.status) from exc
        if request.expected_version is not None and clip.version != request.expected_version:
            raise DecisionError(
                "stale_version", "This clip changed since you opened it; reload and check.", 409
            )
        if clip.claimed_by_id != user.pk or (
            clip.claim_expires_at is not None and clip.claim_expires_at < timezone.now()
        ):
            raise DecisionError(
                "not_held", "Claim the clip before deciding it (your claim may have expired).", 409
            )
        if clip.status == ClipStatus.ESCALATED and request.action == DecisionAction.ESCALATE:
            raise DecisionError("already_escalated", "This clip is already escalated.", 409)
        target = DECISION_TARGET[DecisionAction(request.action)]
        evidence = evidence_for(clip)
        covered_by = covering_policies(clip, request.action)
        if covered_by:
            return hold_for_confirmation(
                clip,
                user,
                action=request.action,
                labels=labels,
                note=request.note,
                reason=request.reason,
                evidence=evidence,
                covered_by=covered_by,
            )
        try:
            result = transition(
                clip.pk,
                target,
                actor=user,
                action=f"decision.{request.action}",
                fields={"claimed_by": None, "claim_expires_at": None},
                data={
                    "labels": [label.slug for label in labels],
                    "reason": request.reason,
                    "evidence": evidence,
                },
            )
        except StaleVersionError as exc:  # pragma: no cover - guarded above under the row lock
            raise DecisionError("stale_version", str(exc), 409) from exc
        except TransitionError as exc:
            raise DecisionError("invalid_transition", str(exc), 409) from exc
        decision = Decision.objects.create(
            clip=result.clip,
            action=request.action,
            note=request.note,
            reason=request.reason,
            moderator=user,
            evidence=evidence,
        )
        if labels:
            decision.labels.set(labels)
        emit(decision_event_type(request.action), result.clip, decision_payload(decision, labels))
        bank_decision_on_commit(decision.pk, request.action, labels)
    return decision


def _check_moderator(user: AbstractBaseUser) -> None:
    if not is_moderator(user):
        raise DecisionError("forbidden", "Only moderators change clips.", 403)


def add_note(clip_id: int, user: AbstractBaseUser, text: str) -> AuditEvent:
    """A moderator's note on a clip: an audited event, never edited afterwards."""
    _check_moderator(user)
    text = text.strip()
    if not text:
        raise DecisionError("note_required", "Write the note first.")
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        return record_event(clip, "clip.note", actor=user, data={"note": text[:5000]})


def add_person(clip_id: int, user: AbstractBaseUser, name: str) -> Person:
    """Record that `name` (a known person or alias, else a new person) is depicted; audited."""
    _check_moderator(user)
    persons = resolve_persons([name])
    if not persons:
        raise DecisionError("name_required", "Give the person's name.")
    person = persons[0]
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        if not clip.persons.filter(pk=person.pk).exists():
            clip.persons.add(person)
            record_event(
                clip,
                "clip.person_added",
                actor=user,
                data={"person": person.pk, "name": person.name},
            )
            refresh_priority(clip)
    return person


def remove_person(clip_id: int, user: AbstractBaseUser, person_id: int) -> None:
    """Record that a person is not depicted after all; audited."""
    _check_moderator(user)
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        person = clip.persons.filter(pk=person_id).first()
        if person is None:
            raise DecisionError("not_depicted", "That person is not listed on this clip.", 409)
        clip.persons.remove(person)
        record_event(
            clip,
            "clip.person_removed",
            actor=user,
            data={"person": person.pk, "name": person.name},
        )
        refresh_priority(clip)
