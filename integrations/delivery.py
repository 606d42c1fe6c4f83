"""Sending one webhook delivery: claim it, sign it, POST it with a timeout, log the attempt.

`attempt_delivery` is the body of the delivery task and callable directly in tests. It claims the
delivery with a conditional UPDATE (so two workers never send the same attempt), makes exactly one
HTTP attempt, writes a DeliveryAttempt row, and says whether and when to try again: exponential
backoff from UNMASK_WEBHOOK_BACKOFF_S, capped at UNMASK_WEBHOOK_BACKOFF_MAX_S, until
UNMASK_WEBHOOK_MAX_ATTEMPTS attempts were made.

Outgoing HTTP is the standard library's http.client on a connection the egress guard opened
(`integrations.egress`: public addresses only unless UNMASK_EGRESS_ALLOW says otherwise, pinned
to the address it vetted): http(s) only, redirects not followed, no proxy unless
UNMASK_WEBHOOK_PROXY names one, and every socket operation bounded by UNMASK_WEBHOOK_TIMEOUT_S.
The log keeps the status code and a short escaped excerpt of the answer, never the whole reply.
"""

import http.client
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from integrations import egress
from integrations.constants import DeliveryStatus
from integrations.models import DeliveryAttempt, WebhookDelivery
from integrations.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)

logger = logging.getLogger(__name__)

USER_AGENT = "Unmask-Webhooks/1"
# Read at most this much of an answer; the log keeps EXCERPT_CHARS of it, escaped.
EXCERPT_BYTES = 1024
EXCERPT_CHARS = 200


@dataclass(frozen=True)
class HttpResult:
    status_code: int | None
    excerpt: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


@dataclass(frozen=True)
class AttemptOutcome:
    delivery_id: int
    outcome: str  # delivered, retry, failed, skipped
    retry_in: float | None = None
    status_code: int | None = None


def canonical_body(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def backoff_seconds(attempt: int) -> float:
    """Wait before attempt `attempt + 1`: base × 2^(attempt-1), capped."""
    base = settings.UNMASK_WEBHOOK_BACKOFF_S
    return float(min(base * 2 ** max(attempt - 1, 0), settings.UNMASK_WEBHOOK_BACKOFF_MAX_S))


def log_excerpt(raw: bytes) -> str:
    """What the log keeps of an answer: at most EXCERPT_CHARS, control characters escaped."""
    text = raw.decode("utf-8", "replace")
    shown = "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)
    return shown[:EXCERPT_CHARS]


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float) -> HttpResult:
    """POST `body` to `url`; never raises for network trouble, reports it in the result.

    The URL goes through the egress guard first (integrations/egress.py): a host on a
    non-public address is refused before any connection, and the connection goes to the
    address that was vetted. Redirects are never followed.
    """
    try:
        connection, target = egress.open_connection(url, timeout)
    except egress.EgressRefused as refused:
        return HttpResult(None, error=refused.message[:500])
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        status = response.status
        try:
            excerpt = log_excerpt(response.read(EXCERPT_BYTES))
        except (TimeoutError, OSError, http.client.HTTPException):
            excerpt = ""
        if 200 <= status < 300:
            return HttpResult(status, excerpt)
        error = "redirect not followed" if 300 <= status < 400 else f"HTTP {status}"
        return HttpResult(status, excerpt, error)
    except TimeoutError:
        return HttpResult(None, error=f"Timed out after {timeout:g} s.")
    except (http.client.HTTPException, OSError, ValueError) as exc:
        return HttpResult(None, error=f"Connection failed: {type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()


def claim_delivery(delivery_id: int) -> WebhookDelivery | None:
    """Take a due delivery for one attempt, or a stale one whose worker died; else None."""
    now = timezone.now()
    lease = timedelta(seconds=settings.UNMASK_WEBHOOK_TIMEOUT_S * 3 + 30)
    taken = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, locked_until__lt=now)
        )
        .update(status=DeliveryStatus.SENDING, locked_until=now + lease)
    )
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)


def attempt_delivery(delivery_id: int) -> AttemptOutcome:
    """Make one attempt at a delivery and record it; say whether to retry and when."""
    delivery = claim_delivery(delivery_id)
    if delivery is None:
        return AttemptOutcome(delivery_id, "skipped")
    endpoint = delivery.endpoint
    number = delivery.attempts + 1
    if not endpoint.active:
        result = HttpResult(None, error="The endpoint is disabled.")
        latency_ms = 0.0
    else:
        body = canonical_body(delivery.event.payload)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: delivery.event.event_type,
            DELIVERY_HEADER: str(delivery.public_id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature_header(endpoint.secret, timestamp, body),
        }
        started = time.monotonic()
        result = post_json(endpoint.url, body, headers, settings.UNMASK_WEBHOOK_TIMEOUT_S)
        latency_ms = round((time.monotonic() - started) * 1000, 1)

    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=number,
        status_code=result.status_code,
        latency_ms=latency_ms,
        error=result.error[:500],
        response_excerpt=result.excerpt[:EXCERPT_CHARS],
    )
    now = timezone.now()
    fields: dict[str, object] = {
        "attempts": number,
        "last_status_code": result.status_code,
        "last_error": result.error[:500],
        "locked_until": None,
    }
    retry_in: float | None = None
    if result.ok:
        fields.update(status=DeliveryStatus.SUCCEEDED, finished_at=now)
        outcome = "delivered"
    elif number >= settings.UNMASK_WEBHOOK_MAX_ATTEMPTS or not endpoint.active:
        fields.update(status=DeliveryStatus.FAILED, finished_at=now)
        outcome = "failed"
        logger.warning("Webhook delivery %s gave up after %s attempts", delivery_id, number)
    else:
        retry_in = backoff_seconds(number)
        fields.update(
            status=DeliveryStatus.PENDING, next_attempt_at=now + timedelta(seconds=retry_in)
        )
        outcome = "retry"
    WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(**fields)
    return AttemptOutcome(delivery_id, outcome, retry_in, result.status_code)


def due_deliveries(grace: timedelta) -> list[int]:
    """Deliveries whose task was lost (broker down at commit, worker died): due for `grace`."""
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - grace)
            | Q(status=DeliveryStatus.SENDING, locked_until__lt=now)
        ).values_list("pk", flat=True)[:500]
    )


def retry_now(delivery_ids: list[int]) -> list[int]:
    """The admin's "retry now": put finished-or-waiting deliveries back as due, keep the log."""
    ids = list(
        WebhookDelivery.objects.filter(pk__in=delivery_ids)
        .exclude(status=DeliveryStatus.SENDING)
        .values_list("pk", flat=True)
    )
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), finished_at=None
    )
    return ids
