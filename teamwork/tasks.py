"""Celery tasks of the team workflow: the SLA breach sweep and evidence-pack builds.

Both take ids (or nothing), are idempotent and ack late: a redelivered sweep finds the breaches
already recorded; a redelivered build of a finished pack does nothing.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

from teamwork import sla

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180, ignore_result=True)
def record_sla_breaches() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): record clips that passed their SLA deadline."""
    try:
        return sla.record_sla_breaches()
    except DatabaseError:
        logger.exception("SLA sweep could not reach the database; the next beat retries")
        return 0
