"""Celery tasks of the insight app: only the periodic agreement sampling."""

from celery import shared_task

from insight.agreement import sample_recent_decisions


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180, ignore_result=True)
def sample_for_agreement() -> int:
    """Mark this period's share of first decisions for a second opinion; safe to re-run."""
    return len(sample_recent_decisions())
