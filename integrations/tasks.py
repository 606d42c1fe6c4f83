"""Celery tasks of the integrations app: deliver webhooks, re-send lost ones, purge old keys.

Tasks take ids only and are safe to run twice: a delivery is claimed by a conditional UPDATE
before its attempt, so a duplicate message finds nothing to do.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from integrations import delivery

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# A delivery still due this long after its time lost its task: the sweeper sends it again.
SWEEP_GRACE = timedelta(seconds=60)


def schedule_delivery(delivery_id: int, countdown: float = 0.0) -> bool:
    """Send the delivery task; on a broker failure leave it for the sweeper and say so loudly."""
    try:
        deliver_webhook.apply_async(args=[delivery_id], countdown=countdown or None)
    except Exception:  # the broker client raises many types; all mean "not sent"
        logger.exception("Webhook delivery %s not enqueued; the sweeper will send it", delivery_id)
        return False
    return True


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
    ignore_result=True,
)
def deliver_webhook(delivery_id: int) -> str:
    outcome = delivery.attempt_delivery(delivery_id)
    if outcome.retry_in is not None:
        schedule_delivery(delivery_id, countdown=outcome.retry_in)
    return outcome.outcome


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def send_lost_deliveries() -> int:
    try:
        ids = delivery.due_deliveries(SWEEP_GRACE)
    except DatabaseError:
        logger.exception("Webhook sweeper could not reach the database; next beat retries")
        return 0
    return sum(schedule_delivery(pk) for pk in ids)
