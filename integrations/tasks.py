"""Celery tasks of the integrations app: deliver webhooks, re-send lost ones, purge old keys.

Tasks take ids only and are safe to run twice: a delivery is claimed by a conditional UPDATE
before its attempt, so a duplicate message finds nothing to do.
"""

import logging
from datetime import timedelta

from django.db import DatabaseError

from dashboard.jobs import enqueue, job, periodic_job
from integrations import delivery

logger = logging.getLogger(__name__)

# A delivery still due this long after its time lost its task: the sweeper sends it again.
SWEEP_GRACE = timedelta(seconds=60)


def schedule_delivery(delivery_id: int, countdown: float = 0.0) -> bool:
    """Send the delivery task; on a broker failure it is left for the sweeper (logged).

    The delivery row is its own marker: one still due after `SWEEP_GRACE` is sent again.
    """
    return enqueue(
        deliver_webhook,
        [delivery_id],
        what=f"Webhook delivery {delivery_id}",
        resent_by="integrations.tasks.send_lost_deliveries",
        countdown=countdown,
    )


@job(time_limit=120, max_retries=5)
def deliver_webhook(delivery_id: int) -> str:
    outcome = delivery.attempt_delivery(delivery_id)
    if outcome.retry_in is not None:
        schedule_delivery(delivery_id, countdown=outcome.retry_in)
    return outcome.outcome


@periodic_job(time_limit=60)
def send_lost_deliveries() -> int:
    try:
        ids = delivery.due_deliveries(SWEEP_GRACE)
    except DatabaseError:
        logger.exception("Webhook sweeper could not reach the database; next beat retries")
        return 0
    return sum(schedule_delivery(pk) for pk in ids)
