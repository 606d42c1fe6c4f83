"""The nightly retention sweep (scheduled in config/settings.py's CELERY_BEAT_SCHEDULE)."""

import logging

from dashboard.jobs import periodic_job
from retention.services import format_report, run_sweep

logger = logging.getLogger(__name__)


@periodic_job(time_limit=3300, hard_time_limit=3600)
def retention_sweep() -> int:
    """Erase the media retention policies say is due; returns how many clips were erased.

    Idempotent: erased clips hold nothing more, so a redelivered or overlapping run finds
    nothing to do for them.
    """
    report = run_sweep(dry_run=False)
    for line in format_report(report, verbose=False):
        logger.info("%s", line)
    return len(report.erased)
