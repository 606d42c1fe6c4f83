"""Celery tasks of the provenance app: thin wrappers that take ids and call the services.

Both are idempotent: banking a decision twice finds the entry already made; matching a clip
twice updates the same match rows. Enqueue them with the ``*_on_commit`` helpers so a job
never runs before the row it names is committed.
"""

from collections.abc import Callable, Sequence
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from dashboard.constants import DecisionAction
from dashboard.models import Decision, Label
from provenance import services

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
_POLICY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 300,
    "time_limit": 330,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 8,
    "ignore_result": True,
}


@shared_task(**_POLICY)
def bank_decision(decision_id: int) -> None:
    """Bank the decided clip; a Label decision also gets its disclosed rendition when the
    operator has configured a signing certificate."""
    entry = services.do_bank_decision(decision_id)
    if (
        entry is not None
        and entry.decision_action == DecisionAction.LABEL
        and (settings.PROVENANCE_SIGNING_CERT)
    ):
        make_rendition.delay(decision_id)


@shared_task(**_POLICY)
def match_clip(clip_id: int) -> None:
    """The provenance checks after scoring: Content Credentials, then the hash banks."""
    services.do_read_credentials(clip_id)
    services.do_match_clip(clip_id)


@shared_task(**{**_POLICY, "soft_time_limit": 900, "time_limit": 960})
def make_rendition(decision_id: int) -> None:
    services.do_make_rendition(decision_id)


def bank_decided_clip(decision: Decision, labels: Sequence[Label]) -> Callable[[], None] | None:
    """The `decision_committed` hook: once the decision commits, bank the clip — only for
    removals and manipulated labels.

    Decided here from what the caller already holds (no query), so other decisions enqueue
    nothing; the task checks again from the stored decision.
    """
    if decision.action == DecisionAction.REMOVE or (
        decision.action == DecisionAction.LABEL and any(label.manipulated for label in labels)
    ):
        return partial(bank_decision.delay, decision.pk)
    return None


def match_clip_on_commit(clip_id: int) -> None:
    """After scoring commits, match the clip against the banks."""
    transaction.on_commit(lambda: match_clip.delay(clip_id))
