"""Remote detectors: calling the detection services operators add in the admin, without code.

A `DetectionProvider` row says where to send a clip (an http(s) endpoint, vetted by the same
egress guard as webhooks, `integrations.egress`), how (a multipart upload of the media, or JSON
carrying the clip's source URL), which header carries the secret (read from a file inside
`UNMASK_PROVIDER_SECRETS_DIR` at call time, never stored in the database nor logged) and where
the score sits in the JSON answer ("result.score").

After a clip is scored (`ClipEvent.CLIP_SCORED`), each enabled provider gets a
`ProviderScore` row, in the scoring transaction, and a job per (clip, provider)
(`detection.tasks.call_detection_provider`). This module holds what the job runs:

* one attempt: claim the row by a conditional UPDATE (a duplicate message finds nothing), call,
  record the answer (the raw body kept, at most `RAW_KEEP_CHARS`);
* retries with backoff for what may pass (timeouts, connection errors, 5xx, 429), up to
  `MAX_ATTEMPTS`; a malformed answer or another 4xx fails at once;
* the rate limit (calls per minute): an attempt over it waits, without counting as one;
* the circuit breaker: `breaker_threshold` consecutive failed calls open it for
  `breaker_cooldown_s`; while open no call is made (rows are marked skipped) and the admin says
  so; after the cooldown one call tries again, and a success closes it.

Nothing here blocks review: the clip is already awaiting review when the job runs, and a
failure only shows as a "not applicable" signal. Remote scores are uncalibrated: their signal
never fires (so never reaches priority) unless the operator marked the provider validated.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from dashboard.models import Clip
from dashboard.priority import refresh_priority
from detection.models import DetectionProvider, ProviderScore, ProviderStatus, RequestForm
from integrations import egress

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
READ_LIMIT_BYTES = 1024 * 1024
RAW_KEEP_CHARS = 8000
BACKOFF_BASE_S = 10.0
BACKOFF_MAX_S = 600.0
MAX_TIMEOUT_S = 120.0
# The multipart form holds the media in memory: a bigger clip is not sent (a URL provider can
# still take it).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ProviderError(Exception):
    """A provider could not be called or its answer not read; `retryable` says whether to try
    again. The message never contains the secret."""

    def __init__(
        self, message: str, *, retryable: bool, http_status: int | None = None, raw: str = ""
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.http_status = http_status
        self.raw = raw
        # Raised before any connection (no source URL, clip too big, secret file unreadable):
        # not the provider's failure, so it does not count towards the circuit breaker.
        self.local = False


@dataclass(frozen=True)
class Answer:
    score: float
    raw: str
    http_status: int


@dataclass(frozen=True)
class AttemptOutcome:
    outcome: str  # done, failed, retry, skipped, breaker_open, rate_limited
    retry_in: float | None = None


# --- Configuration checks (the admin form's clean) --------------------------------------------


def config_errors(provider: DetectionProvider) -> dict[str, str]:
    """What is wrong with a provider's settings, by field (empty: nothing)."""
    errors: dict[str, str] = {}
    if provider.endpoint:
        try:
            egress.check_url(provider.endpoint)
        except egress.EgressRefused as refused:
            errors["endpoint"] = refused.message
    if bool(provider.auth_header) != bool(provider.auth_secret_file):
        errors["auth_secret_file"] = gettext(
            "Give both the header name and the secret file, or neither."
        )
    elif provider.auth_secret_file:
        try:
            secret_path(provider.auth_secret_file)
        except ProviderError as exc:
            errors["auth_secret_file"] = str(exc)
    if not all(part.strip() for part in (provider.score_field or "").split(".")):
        errors["score_field"] = gettext('A dotted path such as "score" or "result.score".')
    if not 0.1 <= (provider.timeout_s or 0) <= MAX_TIMEOUT_S:
        errors["timeout_s"] = gettext("Between 0.1 and %(max)s seconds.") % {
            "max": f"{MAX_TIMEOUT_S:g}"
        }
    if not provider.rate_limit_per_minute:
        errors["rate_limit_per_minute"] = gettext("At least one call per minute.")
    if not provider.breaker_threshold:
        errors["breaker_threshold"] = gettext("At least one failure.")
    return errors


def secret_path(name: str) -> Path:
    """The file `name` inside UNMASK_PROVIDER_SECRETS_DIR; refuses anything outside it (an
    admin must not be able to send, say, the database password file to an endpoint)."""
    base = settings.UNMASK_PROVIDER_SECRETS_DIR
    if not base:
        raise ProviderError(
            gettext("UNMASK_PROVIDER_SECRETS_DIR is not set: no secret file can be used."),
            retryable=False,
        )
    root = Path(base).resolve()
    path = (root / name).resolve()
    if "/" in name or "\\" in name or path.parent != root:
        raise ProviderError(
            gettext("A plain file name inside UNMASK_PROVIDER_SECRETS_DIR."), retryable=False
        )
    return path


def read_secret(provider: DetectionProvider) -> str:
    """The auth header's value, read from its file now (rotating the file needs no restart)."""
    path = secret_path(provider.auth_secret_file)
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ProviderError(
            f"The secret file {path.name} cannot be read ({type(exc).__name__}).", retryable=False
        ) from exc
    if not value or "\n" in value or "\r" in value:
        raise ProviderError(f"The secret file {path.name} must hold one line.", retryable=False)
    return value


# --- One call ----------------------------------------------------------------------------------


def extract_score(data: Any, field_path: str) -> float:
    """The number at `field_path` ("result.score", "scores.0") in a decoded JSON answer."""
    value = data
    for part in field_path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise ProviderError(f'The answer has no field "{field_path}".', retryable=False)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProviderError(f'The field "{field_path}" is not a number.', retryable=False)
    return float(value)


def _request_body(provider: DetectionProvider, clip: Clip) -> tuple[bytes, str]:
    if provider.request_form == RequestForm.URL:
        if not clip.source_url:
            raise ProviderError("The clip has no source URL to send.", retryable=False)
        return json.dumps({"url": clip.source_url}).encode(), "application/json"
    if (clip.size_bytes or 0) > MAX_UPLOAD_BYTES:
        raise ProviderError(
            f"The clip is over {MAX_UPLOAD_BYTES // 2**20} MB, too big to upload.", retryable=False
        )
    boundary = uuid.uuid4().hex
    with default_storage.open(clip.file.name, "rb") as handle:
        media = handle.read()
    filename = Path(clip.file.name).name.replace('"', "")
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    body = head + media + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def call_provider(provider: DetectionProvider, clip: Clip) -> Answer:
    """POST the clip to the provider and read its score; raises ProviderError."""
    headers: dict[str, str] = {"Accept": "application/json", "User-Agent": "Unmask-detector"}
    try:
        if provider.auth_header:
            headers[provider.auth_header] = read_secret(provider)
        body, content_type = _request_body(provider, clip)
    except ProviderError as exc:
        exc.local = True
        raise
    headers["Content-Type"] = content_type
    timeout = float(provider.timeout_s)
    try:
        connection, target = egress.open_connection(provider.endpoint, timeout)
    except egress.EgressRefused as refused:
        raise ProviderError(refused.message, retryable=False) from refused
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        raw_bytes = response.read(READ_LIMIT_BYTES)
        status = response.status
    except TimeoutError as exc:
        raise ProviderError(f"Timed out after {timeout:g} s.", retryable=True) from exc
    except (http.client.HTTPException, OSError, ValueError) as exc:
        raise ProviderError(f"Connection failed: {type(exc).__name__}", retryable=True) from exc
    finally:
        connection.close()
    raw = raw_bytes.decode("utf-8", "replace")
    if not 200 <= status < 300:
        retryable = status >= 500 or status == 429
        raise ProviderError(f"HTTP {status}", retryable=retryable, http_status=status, raw=raw)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ProviderError(
            "The answer is not valid JSON.", retryable=False, http_status=status, raw=raw
        ) from exc
    try:
        score = extract_score(data, provider.score_field)
    except ProviderError as exc:
        exc.http_status, exc.raw = status, raw
        raise
    return Answer(score, raw, status)


# --- The job's attempt -------------------------------------------------------------------------


def backoff_s(attempt: int) -> float:
    return float(min(BACKOFF_BASE_S * 2 ** max(attempt - 1, 0), BACKOFF_MAX_S))


def open_rows(clip: Clip | int) -> list[tuple[int, int]]:
    """In the scoring transaction: a pending row per enabled provider; the (clip, provider)
    pairs to send a job for. A row that exists already (a re-scored clip) is left alone."""
    clip_id = clip if isinstance(clip, int) else clip.pk
    pairs = []
    for provider_id in DetectionProvider.objects.filter(enabled=True).values_list("pk", flat=True):
        _, created = ProviderScore.objects.get_or_create(clip_id=clip_id, provider_id=provider_id)
        if created:
            pairs.append((clip_id, provider_id))
    return pairs


def _claim(clip_id: int, provider_id: int, now: timezone.datetime) -> ProviderScore | None:
    rows = ProviderScore.objects.filter(clip_id=clip_id, provider_id=provider_id).filter(
        Q(status=ProviderStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=ProviderStatus.CALLING, locked_until__lt=now)
    )
    # The lease outlasts the longest call, so only a dead worker's row is taken over.
    if not rows.update(
        status=ProviderStatus.CALLING,
        locked_until=now + timedelta(seconds=MAX_TIMEOUT_S * 2 + 60),
    ):
        return None
    return ProviderScore.objects.select_related("provider", "clip").get(
        clip_id=clip_id, provider_id=provider_id
    )


def _finish(row: ProviderScore, status: str, **fields: Any) -> None:
    fields.setdefault("finished_at", timezone.now())
    ProviderScore.objects.filter(pk=row.pk).update(status=status, locked_until=None, **fields)


def _record_failure(provider: DetectionProvider, error: str, now: timezone.datetime) -> bool:
    """Count a failed call; open the breaker at the threshold. True when it is open now."""
    DetectionProvider.objects.filter(pk=provider.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, last_error=error[:500]
    )
    provider.refresh_from_db(fields=["consecutive_failures", "breaker_open_until", "last_error"])
    if provider.consecutive_failures >= provider.breaker_threshold:
        until = now + timedelta(seconds=provider.breaker_cooldown_s)
        DetectionProvider.objects.filter(pk=provider.pk).update(breaker_open_until=until)
        provider.breaker_open_until = until
        logger.warning(
            "Detection provider %s: circuit breaker open until %s after %d consecutive failures",
            provider.name,
            until.isoformat(),
            provider.consecutive_failures,
        )
        return True
    return False


def _record_success(provider: DetectionProvider) -> None:
    DetectionProvider.objects.filter(pk=provider.pk).update(
        consecutive_failures=0, breaker_open_until=None, last_error=""
    )


def attempt(clip_id: int, provider_id: int) -> AttemptOutcome:
    """Make one attempt at (clip, provider) and record it; say whether to retry and when."""
    now = timezone.now()
    row = _claim(clip_id, provider_id, now)
    if row is None:
        return AttemptOutcome("skipped")
    provider = row.provider
    if not provider.enabled:
        _finish(row, ProviderStatus.SKIPPED, error="The provider is disabled.")
        return AttemptOutcome("skipped")
    if provider.breaker_open(now):
        _finish(
            row,
            ProviderStatus.SKIPPED,
            error=f"Not called: the circuit breaker is open after "
            f"{provider.consecutive_failures} consecutive failures.",
        )
        return AttemptOutcome("breaker_open")
    minute_ago = now - timedelta(seconds=60)
    if (
        ProviderScore.objects.filter(provider=provider, called_at__gt=minute_ago).count()
        >= provider.rate_limit_per_minute
    ):
        wait = 60.0 / provider.rate_limit_per_minute + 1.0
        ProviderScore.objects.filter(pk=row.pk).update(
            status=ProviderStatus.PENDING,
            locked_until=None,
            next_attempt_at=now + timedelta(seconds=wait),
        )
        return AttemptOutcome("rate_limited", retry_in=wait)

    number = row.attempts + 1
    ProviderScore.objects.filter(pk=row.pk).update(attempts=number, called_at=now)
    started = time.perf_counter()
    try:
        answer = call_provider(provider, row.clip)
    except ProviderError as exc:
        latency = round((time.perf_counter() - started) * 1000, 1)
        raw = exc.raw[:RAW_KEEP_CHARS]
        is_open = not exc.local and _record_failure(provider, str(exc), timezone.now())
        common = {
            "error": str(exc)[:500],
            "http_status": exc.http_status,
            "raw_response": raw,
            "latency_ms": latency,
        }
        if exc.retryable and number < MAX_ATTEMPTS and not is_open:
            wait = backoff_s(number)
            _finish(
                row,
                ProviderStatus.PENDING,
                finished_at=None,
                next_attempt_at=timezone.now() + timedelta(seconds=wait),
                **common,
            )
            return AttemptOutcome("retry", retry_in=wait)
        _finish(row, ProviderStatus.FAILED, **common)
        logger.info("Detection provider %s failed on clip %s: %s", provider.name, clip_id, exc)
        return AttemptOutcome("failed")
    latency = round((time.perf_counter() - started) * 1000, 1)
    _record_success(provider)
    _finish(
        row,
        ProviderStatus.DONE,
        score=answer.score,
        http_status=answer.http_status,
        raw_response=answer.raw[:RAW_KEEP_CHARS],
        error="",
        latency_ms=latency,
    )
    if provider.validated:
        # Only a validated provider's signal can fire, and so move the priority.
        refresh_priority(Clip.objects.get(pk=clip_id))
    return AttemptOutcome("done")


def rows_to_resend(grace: timedelta = timedelta(seconds=60)) -> list[tuple[int, int]]:
    """Rows whose job was lost: pending past their time by `grace`, or a dead worker's call."""
    now = timezone.now()
    return list(
        ProviderScore.objects.filter(
            Q(status=ProviderStatus.PENDING, next_attempt_at__lt=now - grace)
            | Q(status=ProviderStatus.CALLING, locked_until__lt=now)
        ).values_list("clip_id", "provider_id")[:500]
    )
