"""How webhook requests are signed, and how a receiver checks them.

Every delivery is a POST with a JSON body (UTF-8, compact, keys sorted) and these headers:

    Content-Type:        application/json
    X-Unmask-Event:      clip.decided            (the event type)
    X-Unmask-Delivery:   <uuid of this delivery>  (the same on every retry of it)
    X-Unmask-Timestamp:  <unix time in whole seconds, when this attempt was signed>
    X-Unmask-Signature:  v1=<hex>

where <hex> = HMAC-SHA256(key=endpoint secret, message=f"{timestamp}.{raw body}"), lowercase hex.

A receiver recomputes the HMAC over the raw bytes it received (before any JSON parsing), compares
in constant time, and refuses timestamps older than a few minutes to stop replays: see
`verify_signature`. The `v1=` prefix leaves room for another scheme during a secret rotation.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Unmask-Signature"
TIMESTAMP_HEADER = "X-Unmask-Timestamp"
EVENT_HEADER = "X-Unmask-Event"
DELIVERY_HEADER = "X-Unmask-Delivery"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `{timestamp}.{body}` under `secret`."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"{SCHEME}={compute_signature(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    header: str,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """What a receiver does: check the header's v1 signature and the timestamp's freshness."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        return False
    expected = compute_signature(secret, ts, body)
    for part in header.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SCHEME and hmac.compare_digest(value, expected):
            return True
    return False
