"""Periodic jobs of the review desk."""

from dashboard import counters, idempotency
from dashboard.claims import release_expired_claims as release_expired
from dashboard.jobs import periodic_job


@periodic_job(time_limit=60)
def release_expired_claims() -> int:
    return release_expired()


@periodic_job(time_limit=60)
def purge_expired_idempotency_keys() -> int:
    return idempotency.purge_expired()


@periodic_job(time_limit=60)
def compact_status_counts() -> int:
    return counters.compact_status_counts()
