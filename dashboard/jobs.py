"""Background jobs: the one task policy every Celery task declares, and the one way to send one.

Declaring: a job that works on one row (taken by id) is declared with `job(...)`, a beat's
sweep with `periodic_job(...)`. The policy lives here once: the message is acknowledged late
(a worker that dies mid-job has its job redelivered) and rejected when the worker is lost;
transient database and connection errors are retried with backoff and jitter; the errors a
job expects (unreadable media, a refused act) are declared in `throws`, so the worker logs
them as expected instead of with a traceback; every job has a soft and a hard time limit.

Sending: every enqueue goes through `enqueue` (now) or `enqueue_on_commit` (once the caller's
transaction commits, so a job never runs before the row it names exists). Publishing can fail
(the broker is down, its name does not resolve) after the change it follows has committed; the
request that made the change must still answer normally. So the helper logs the failure and
returns False, and the row that asked for the job stays marked "not sent" (its owner's
marker: `Clip.enqueued_at`, a webhook delivery still due, a queued evidence pack, a pending
provenance job), which the owner's periodic sweeper finds and sends again. Jobs are therefore
idempotent: a re-sent job for work already done does nothing.

The core imports no satellite here: callers hand in their task object.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError, transaction

logger = logging.getLogger(__name__)

# Failures worth retrying: the database or a network peer briefly away.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)
# The hard limit kills a job this long after its soft limit asked it to stop.
HARD_LIMIT_GRACE_S = 60


def job(
    *,
    time_limit: int,
    hard_time_limit: int | None = None,
    retry_on: Sequence[type[BaseException]] = (),
    throws: Sequence[type[BaseException]] = (),
    max_retries: int = 8,
    bind: bool = False,
) -> Callable[[Callable[..., Any]], Any]:
    """Declare a Celery task that works on one row with the house policy.

    `time_limit` is the soft limit in seconds; `retry_on` adds retryable errors to the
    transient ones; `throws` names the errors the job expects (logged without a traceback).
    """
    return shared_task(
        bind=bind,
        acks_late=True,
        reject_on_worker_lost=True,
        soft_time_limit=time_limit,
        time_limit=hard_time_limit or time_limit + HARD_LIMIT_GRACE_S,
        autoretry_for=(*TRANSIENT_ERRORS, *retry_on),
        retry_backoff=5,
        retry_backoff_max=300,
        retry_jitter=True,
        max_retries=max_retries,
        throws=tuple(throws),
        ignore_result=True,
    )


def periodic_job(
    *, time_limit: int, hard_time_limit: int | None = None
) -> Callable[[Callable[..., Any]], Any]:
    """Declare a beat's sweep: acknowledged late and never retried (the next beat retries)."""
    return shared_task(
        acks_late=True,
        soft_time_limit=time_limit,
        time_limit=hard_time_limit or time_limit + 30,
        ignore_result=True,
    )


def enqueue(
    task: Any,
    args: Sequence[Any] = (),
    *,
    what: str,
    resent_by: str,
    on_sent: Callable[[], object] | None = None,
    countdown: float | None = None,
) -> bool:
    """Publish `task(*args)`; True when the broker took it.

    On failure the error is logged (naming `what` and who sends it again, `resent_by`) and
    False is returned; nothing is raised into the caller. `on_sent` runs after a successful
    publish, to mark the row as sent (a database error there is logged: the sweeper's
    re-send of an already-sent job is harmless).
    """
    options: dict[str, Any] = {"countdown": countdown} if countdown else {}
    try:
        task.apply_async(args=list(args), **options)
    except Exception as exc:  # the broker clients raise many types; all mean "not sent"
        logger.exception(
            "%s not sent (%s: %s); %s will send it again",
            what,
            type(exc).__name__,
            exc,
            resent_by,
        )
        return False
    if on_sent is not None:
        try:
            on_sent()
        except DatabaseError:
            logger.exception("%s sent but not marked as sent; it may be sent twice", what)
    return True


def enqueue_on_commit(
    task: Any,
    args: Sequence[Any] = (),
    *,
    what: str,
    resent_by: str,
    on_sent: Callable[[], object] | None = None,
    countdown: float | None = None,
) -> None:
    """`enqueue` once the caller's transaction commits (at once outside a transaction)."""
    transaction.on_commit(
        partial(
            enqueue,
            task,
            args,
            what=what,
            resent_by=resent_by,
            on_sent=on_sent,
            countdown=countdown,
        )
    )
