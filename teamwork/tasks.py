"""Celery tasks of the team workflow: the SLA breach sweep and evidence-pack builds.

Both take ids (or nothing), are idempotent and ack late: a redelivered sweep finds the breaches
already recorded; a redelivered build of a finished pack does nothing.
"""

import logging

from django.db import DatabaseError

from dashboard.jobs import enqueue, job, periodic_job
from teamwork import evidence, sla

logger = logging.getLogger(__name__)


@periodic_job(time_limit=120, hard_time_limit=180)
def record_sla_breaches() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): record clips that passed their SLA deadline."""
    try:
        return sla.record_sla_breaches()
    except DatabaseError:
        logger.exception("SLA sweep could not reach the database; the next beat retries")
        return 0


@job(
    time_limit=600,
    hard_time_limit=evidence.BUILD_TIME_LIMIT_S,
    retry_on=(DatabaseError,),
    max_retries=3,
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


def enqueue_pack_build(pack_id: int) -> bool:
    """Send the build to the broker; when it is unreachable the pack stays queued (logged)
    and `requeue_stale_packs` sends it again once it has waited `evidence.QUEUED_GRACE`."""
    return enqueue(
        build_evidence_pack,
        [pack_id],
        what=f"Evidence pack {pack_id}",
        resent_by="teamwork.tasks.requeue_stale_packs",
    )


@periodic_job(time_limit=60)
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
