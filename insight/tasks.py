"""Celery tasks of the insight app: agreement sampling and the dashboard summary's refresh."""

import time

from celery import shared_task

from insight.agreement import sample_recent_decisions
from insight.summary import refresh_summary

# Leave the rest of the minute to the next beat: a first build over years of history continues
# where this one stopped (the oldest stale hours first).
REFRESH_BUDGET_S = 40.0


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180, ignore_result=True)
def sample_for_agreement() -> int:
    """Mark this period's share of first decisions for a second opinion; safe to re-run."""
    return len(sample_recent_decisions())


@shared_task(acks_late=True, soft_time_limit=55, time_limit=70, ignore_result=True)
def refresh_dashboard_summary() -> int:
    """Rebuild the summary's stale hours, a transaction at a time; safe to re-run or overlap."""
    deadline = time.monotonic() + REFRESH_BUDGET_S
    total = 0
    while time.monotonic() < deadline:
        done = refresh_summary()
        total += done
        if not done:
            break
    return total
