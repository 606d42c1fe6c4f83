"""Periodic jobs of the review desk."""

from celery import shared_task

from dashboard import idempotency
from dashboard.claims import release_expired_claims as release_expired


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def release_expired_claims() -> int:
    return release_expired()


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def purge_expired_idempotency_keys() -> int:
    return idempotency.purge_expired()
