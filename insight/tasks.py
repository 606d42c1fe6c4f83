"""Celery tasks of the insight app: agreement sampling and the dashboard summary's refresh."""

import time

from dashboard.jobs import periodic_job
from insight.agreement import sample_recent_decisions
from insight.summary import refresh_summary

# Leave the rest of the minute to the next beat: a first build over years of history continues
# where this one stopped (the oldest stale hours first).
REFRESH_BUDGET_S = 40.0


@periodic_job(time_limit=120, hard_time_limit=180)
def sample_for_agreement() -> int:
    """Mark this period's share of first decisions for a second opinion; safe to re-run."""
    return len(sample_recent_decisions())


@periodic_job(time_limit=55, hard_time_limit=70)
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
