"""Celery tasks of the provenance app: thin wrappers that take ids and call the services.

Each job is asked for by a :class:`~provenance.models.ProvenanceJob` row written with the
change that calls for it (`bank_decided_clip`, a decision hook, and `match_clip_on_commit`),
sent once that change commits, and marked done when it finishes. When the broker is down the row
stays pending and `resend_provenance_jobs` (every minute, from the beat) sends it again. All jobs
are idempotent: a re-sent bank job for a banked clip, or a re-sent match job, does nothing.
A newly registered authentic reference is compared with the open clips on the desk
(`match_desk_against_reference`); its marker is the entry's own `desk_matched_at`.
A bulk import of references (`import_references`) runs a batch of rows at a time and is sent
again by the same sweeper while unfinished (its marker: `ReferenceImport.sent_at`).
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from dashboard.constants import DecisionAction
from dashboard.jobs import enqueue, enqueue_on_commit, job, periodic_job
from dashboard.models import Decision, Label
from detection.frames import UnreadableMediaError
from provenance import jobs, refimport, services
from provenance.models import BankEntry, BankKind, ImportState, JobKind, ReferenceImport

logger = logging.getLogger(__name__)

SWEEPER = "provenance.tasks.resend_provenance_jobs"


@job(time_limit=300, throws=(UnreadableMediaError,))
def bank_decision(decision_id: int) -> None:
    """Bank the decided clip; a Label decision also gets its disclosed rendition when the
    operator has configured a signing certificate."""
    if jobs.is_done(JobKind.BANK, decision_id):
        return
    started = timezone.now()
    try:
        entry = services.do_bank_decision(decision_id)
    except UnreadableMediaError as exc:
        jobs.mark_failed(JobKind.BANK, decision_id, f"Unreadable media: {exc}")
        raise
    if (
        entry is not None
        and entry.decision_action == DecisionAction.LABEL
        and settings.PROVENANCE_SIGNING_CERT
    ):
        request_rendition(decision_id)
    jobs.mark_done(JobKind.BANK, decision_id, started)


@job(time_limit=300, throws=(UnreadableMediaError,))
def match_clip(clip_id: int) -> None:
    """The provenance checks after scoring: Content Credentials and metadata tags, then the
    hash banks."""
    started = timezone.now()
    try:
        services.do_read_credentials(clip_id)
        services.do_read_metadata(clip_id)
        services.do_match_clip(clip_id)
    except UnreadableMediaError as exc:
        jobs.mark_failed(JobKind.MATCH, clip_id, f"Unreadable media: {exc}")
        raise
    jobs.mark_done(JobKind.MATCH, clip_id, started)


@job(time_limit=900, throws=(services.ProvenanceError,))
def make_rendition(decision_id: int) -> None:
    if jobs.is_done(JobKind.RENDITION, decision_id):
        return
    started = timezone.now()
    try:
        services.do_make_rendition(decision_id)
    except services.ProvenanceError as exc:
        jobs.mark_failed(JobKind.RENDITION, decision_id, exc.message)
        raise
    # A rendition that failed (no certificate, a burn error) says so on its own row.
    jobs.mark_done(JobKind.RENDITION, decision_id, started)


@job(time_limit=600)
def match_desk_against_reference(entry_id: int) -> None:
    """A newly registered authentic reference, compared with the open clips on the desk."""
    services.do_match_desk_against_reference(entry_id)


def _mark_desk_match_sent(entry_id: int) -> None:
    BankEntry.objects.filter(pk=entry_id).update(desk_match_sent_at=timezone.now())


def _send_desk_matching(entry_id: int, *, on_commit: bool) -> bool | None:
    send = enqueue_on_commit if on_commit else enqueue
    return send(
        match_desk_against_reference,
        [entry_id],
        what=f"Desk matching of reference #{entry_id}",
        resent_by=SWEEPER,
        on_sent=lambda: _mark_desk_match_sent(entry_id),
    )


def match_desk_on_commit(entry_id: int) -> None:
    """Ask for the open clips to be compared with a reference once its registration commits;
    the entry's `desk_matched_at` (null until done) is the sweeper's marker."""
    _send_desk_matching(entry_id, on_commit=True)


def resend_stale_desk_matching(now: datetime | None = None) -> int:
    """Send again the desk matching of references registered a while ago and still not done
    (the message never reached the broker, or the worker was lost)."""
    cutoff = (now or timezone.now()) - jobs.resend_after()
    stale = BankEntry.objects.filter(
        Q(desk_match_sent_at__isnull=True, created_at__lt=cutoff)
        | Q(desk_match_sent_at__lt=cutoff),
        bank__kind=BankKind.REFERENCE,
        desk_matched_at__isnull=True,
    ).values_list("pk", flat=True)[:100]
    return sum(int(bool(_send_desk_matching(pk, on_commit=False))) for pk in stale)


@job(time_limit=900)
def import_references(import_id: int) -> None:
    """A bulk import of references, a batch of rows per run; sends itself again for the rest."""
    if refimport.run_import(import_id):
        _send_import(import_id, on_commit=False)


def _send_import(import_id: int, *, on_commit: bool) -> bool | None:
    send = enqueue_on_commit if on_commit else enqueue
    return send(
        import_references,
        [import_id],
        what=f"Reference import #{import_id}",
        resent_by=SWEEPER,
        on_sent=lambda: ReferenceImport.objects.filter(pk=import_id).update(sent_at=timezone.now()),
    )


def import_on_commit(import_id: int) -> None:
    """Start a stored import once it commits; its `sent_at` is the sweeper's marker."""
    _send_import(import_id, on_commit=True)


def resend_stale_imports(now: datetime | None = None) -> int:
    """Send again the imports not finished whose job was last sent a while ago (or never)."""
    cutoff = (now or timezone.now()) - jobs.resend_after()
    stale = (
        ReferenceImport.objects.exclude(state=ImportState.DONE)
        .filter(Q(sent_at__isnull=True, created_at__lt=cutoff) | Q(sent_at__lt=cutoff))
        .values_list("pk", flat=True)[:20]
    )
    return sum(int(bool(_send_import(pk, on_commit=False))) for pk in stale)


_TASKS = {JobKind.BANK: bank_decision, JobKind.MATCH: match_clip, JobKind.RENDITION: make_rendition}


def _send(job_id: int, kind: str, target_id: int, *, on_commit: bool) -> bool | None:
    send = enqueue_on_commit if on_commit else enqueue
    return send(
        _TASKS[kind],
        [target_id],
        what=f"Provenance job {kind} #{target_id}",
        resent_by=SWEEPER,
        on_sent=lambda: jobs.mark_sent(job_id),
    )


def bank_decided_clip(decision: Decision, labels: Sequence[Label]) -> Callable[[], None] | None:
    """The `decision_committed` hook: ask for the clip to be banked — only for removals and
    manipulated labels — and send the job once the decision commits.

    Decided here from what the caller already holds (no query), so other decisions write and
    enqueue nothing; the task checks again from the stored decision. Call it inside the
    decision's transaction: the request commits (or rolls back) with the decision.
    """
    if decision.action == DecisionAction.REMOVE or (
        decision.action == DecisionAction.LABEL and any(label.manipulated for label in labels)
    ):
        job_id = jobs.request_job(JobKind.BANK, decision_id=decision.pk)
        _send(job_id, JobKind.BANK, decision.pk, on_commit=True)
    # The job row is the marker and enqueue_on_commit sends it: nothing more to run on commit.
    return None


def match_clip_on_commit(clip_id: int) -> None:
    """Ask for the scored clip to be matched against the banks; send the job after commit."""
    job_id = jobs.request_job(JobKind.MATCH, clip_id=clip_id)
    _send(job_id, JobKind.MATCH, clip_id, on_commit=True)


def request_rendition(decision_id: int) -> None:
    """Ask for the labelled clip's disclosed rendition; send the job after commit."""
    job_id = jobs.request_job(JobKind.RENDITION, decision_id=decision_id)
    if not jobs.is_done(JobKind.RENDITION, decision_id):
        _send(job_id, JobKind.RENDITION, decision_id, on_commit=True)


def resend_stale_jobs() -> int:
    """Send again the pending jobs whose message never reached the broker, or was lost."""
    sent = 0
    for stale in jobs.stale_jobs():
        target = stale.clip_id if stale.kind == JobKind.MATCH else stale.decision_id
        sent += int(bool(_send(stale.pk, stale.kind, target, on_commit=False)))
    return sent + resend_stale_desk_matching() + resend_stale_imports()


@periodic_job(time_limit=60)
def resend_provenance_jobs() -> int:
    """Periodic (the beat, every minute): re-send banking, matching, renditions and the desk
    matching of new references not done."""
    try:
        return resend_stale_jobs()
    except DatabaseError:
        logger.exception("Provenance sweeper could not reach the database; next beat retries")
        return 0
