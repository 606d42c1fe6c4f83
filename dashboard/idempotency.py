"""Idempotency keys: a retried POST with the same key gets the first answer, and changes nothing.

The first request with a key reserves it (a row with no answer yet); a concurrent duplicate is
refused with 409 while it runs. A successful (2xx) answer is stored verbatim and replayed to every
retry with the same fingerprint until the key expires; a retry whose method, path or body differ
is refused with 422. An error answer releases the key: the services refuse atomically, so running
the request again is harmless and may well succeed (a claim taken in between, for example).
"""

import string
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.errors import ServiceError
from dashboard.models import IdempotencyKey

MAX_KEY_LENGTH = 255
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + string.punctuation)
# A reservation whose request never finished (the process died) stops blocking after this.
ABANDONED_AFTER = timedelta(minutes=5)


class IdempotencyError(ServiceError):
    """The key cannot be used for this request; `code` and `status` are for the API."""


@dataclass(frozen=True)
class Reservation:
    record: IdempotencyKey
    replay: bool  # True: a finished first request exists; its answer is to be replayed


def validate_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not set(key) <= _KEY_CHARS:
        raise IdempotencyError(
            "invalid_idempotency_key",
            _("An Idempotency-Key is 1 to %(MAX_KEY_LENGTH)s printable ASCII characters.")
            % {"MAX_KEY_LENGTH": MAX_KEY_LENGTH},
            400,
        )


def reserve(user: AbstractBaseUser, key: str, *, method: str, path: str) -> Reservation:
    """Reserve `key` for this request, or find the finished request that used it first."""
    validate_key(key)
    now = timezone.now()
    IdempotencyKey.objects.filter(user=user, key=key, expires_at__lt=now).delete()
    IdempotencyKey.objects.filter(
        user=user, key=key, status_code__isnull=True, created_at__lt=now - ABANDONED_AFTER
    ).delete()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                user=user,
                key=key,
                method=method,
                path=path[:500],
                created_at=now,
                expires_at=now + settings.UNMASK_IDEMPOTENCY_TTL,
            )
        return Reservation(record, replay=False)
    except IntegrityError:
        record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None or not record.completed:
        raise IdempotencyError(
            "idempotency_key_in_use",
            _("A request with this Idempotency-Key is still being processed; retry shortly."),
            409,
        )
    return Reservation(record, replay=True)


def check_replay(record: IdempotencyKey, *, method: str, path: str, fingerprint: str) -> None:
    """Refuse a retry that is not the same request as the first one."""
    if (record.method, record.path, record.fingerprint) != (method, path[:500], fingerprint):
        raise IdempotencyError(
            "idempotency_key_reused",
            _("This Idempotency-Key was used for a different request."),
            422,
        )


def complete(
    record: IdempotencyKey, *, fingerprint: str, status_code: int, content_type: str, body: str
) -> None:
    """Store a successful first answer; release the key after an error."""
    if not 200 <= status_code < 300:
        release(record)
        return
    IdempotencyKey.objects.filter(pk=record.pk).update(
        fingerprint=fingerprint,
        status_code=status_code,
        content_type=content_type[:100],
        response_body=body,
    )


def release(record: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def purge_expired() -> int:
    deleted, _rows = IdempotencyKey.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
