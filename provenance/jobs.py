"""The markers of provenance's background work: asking for a job, marking it sent, done or failed.

A :class:`~provenance.models.ProvenanceJob` row is written in the transaction that calls for
the work, so a decision to bank (or a scored clip to match) never exists without its request.
The tasks mark it done; the sweeper (`provenance.tasks.resend_provenance_jobs`) sends again
what stays pending. Nothing here talks to the broker.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from provenance.models import JobKind, JobState, ProvenanceJob

# A job sent this many times without finishing is given up (and says so) instead of looping.
MAX_SENDS = 8


def request_job(kind: str, *, decision_id: int | None = None, clip_id: int | None = None) -> int:
    """Record that `kind` is wanted for the decision (bank, rendition) or clip (match).

    A decision is banked once: asking again keeps the row as it is. A clip is matched again
    each time it is scored: its row becomes pending again. Returns the job's id.
    """
    now = timezone.now()
    if decision_id is not None:
        job, _ = ProvenanceJob.objects.get_or_create(
            kind=kind, decision_id=decision_id, defaults={"requested_at": now}
        )
        return job.pk
    job, _ = ProvenanceJob.objects.update_or_create(
        kind=kind,
        clip_id=clip_id,
        defaults={
            "state": JobState.PENDING,
            "requested_at": now,
            "sent_at": None,
            "sends": 0,
            "done_at": None,
            "error": "",
        },
    )
    return job.pk


def mark_sent(job_id: int) -> None:
    ProvenanceJob.objects.filter(pk=job_id).update(sent_at=timezone.now(), sends=F("sends") + 1)


def _target(kind: str, target_id: int) -> Q:
    field = "clip_id" if kind == JobKind.MATCH else "decision_id"
    return Q(kind=kind, **{field: target_id})


def is_done(kind: str, target_id: int) -> bool:
    """Whether this job already finished: a re-sent (or redelivered) job then does nothing."""
    return ProvenanceJob.objects.filter(_target(kind, target_id), state=JobState.DONE).exists()


def mark_done(kind: str, target_id: int, started: datetime) -> None:
    """Done, unless the work was asked for again after this run started (then it stays due)."""
    ProvenanceJob.objects.filter(
        _target(kind, target_id), state=JobState.PENDING, requested_at__lte=started
    ).update(state=JobState.DONE, done_at=timezone.now(), error="")


def mark_failed(kind: str, target_id: int, error: str) -> None:
    """A permanent failure (unreadable media, a refused act): not sent again."""
    ProvenanceJob.objects.filter(_target(kind, target_id), state=JobState.PENDING).update(
        state=JobState.FAILED, done_at=timezone.now(), error=error[:500]
    )


def resend_after() -> timedelta:
    return timedelta(seconds=settings.UNMASK_PROVENANCE_RESEND_AFTER_S)


def stale_jobs(now: datetime | None = None) -> list[ProvenanceJob]:
    """Pending jobs never sent, or sent long ago and not done (the message or worker was lost).

    Those already sent `MAX_SENDS` times are marked failed here and not returned.
    """
    cutoff = (now or timezone.now()) - resend_after()
    stale = ProvenanceJob.objects.filter(
        Q(sent_at__isnull=True, requested_at__lt=cutoff) | Q(sent_at__lt=cutoff),
        state=JobState.PENDING,
    )
    stale.filter(sends__gte=MAX_SENDS).update(
        state=JobState.FAILED,
        done_at=timezone.now(),
        error=f"Sent {MAX_SENDS} times without finishing; see the worker's log.",
    )
    return list(stale.filter(sends__lt=MAX_SENDS).order_by("requested_at", "id"))
