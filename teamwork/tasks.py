"""Celery tasks of the team workflow: the SLA breach sweep and evidence-pack builds.

Both take ids (or nothing), are idempotent and ack late: a redelivered sweep finds the breaches
already recorded; a redelivered build of a finished pack does nothing.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

from teamwork import evidence, sla

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180, ignore_result=True)
def record_sla_breaches() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): record clips that passed their SLA deadline."""
    try:
        return sla.record_sla_breaches()
    except DatabaseError:
        logger.exception("SLA sweep could not reach the database; the next beat retries")
        return 0


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=evidence.BUILD_TIME_LIMIT_S,
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    max_retries=3,
    retry_backoff=True,
)
def build_evidence_pack(pack_id: int) -> str:
    """Build one evidence pack; a pack already built is skipped."""
    try:
        return evidence.build_pack(pack_id)
    except DatabaseError:
        raise
    except Exception as exc:
        # Unreadable media, a storage error: record it on the pack (audited) and stop.
        logger.exception("Evidence pack %s failed", pack_id)
        evidence.mark_failed(pack_id, f"{type(exc).__name__}: {exc}")
        return "failed"


def enqueue_pack_build(pack_id: int) -> None:
    """Send the build to the broker; when it is unreachable, say so on the pack, loudly."""
    try:
        build_evidence_pack.delay(pack_id)
    except Exception as exc:
        logger.exception("Could not enqueue evidence pack %s", pack_id)
        evidence.mark_failed(pack_id, f"Could not reach the task queue: {exc}")


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def requeue_stale_packs() -> int:
    """Periodic: send again the packs whose message was lost or whose worker died."""
    try:
        ids = evidence.stale_pack_ids()
    except DatabaseError:
        logger.exception("Pack sweeper could not reach the database; the next beat retries")
        return 0
    for pack_id in ids:
        enqueue_pack_build(pack_id)
    return len(ids)
