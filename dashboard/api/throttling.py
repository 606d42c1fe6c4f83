"""Per-token throttling: each API token (or session user, or anonymous address) has its own rate.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("token", "anon", "auth_failure"), read
at request time so a changed setting applies at once; a nonsense rate fails loudly instead of
disabling throttling. A refusal is 429 with a Retry-After header and the API's error body.

DRF answers 401 before its throttles run, so the ordinary throttles never see a caller without
valid credentials. `FailedAuthThrottle` closes that gap: the API's exception handler records every
401 (no credentials, bad or revoked token) per client address, and `FailedAuthGuard`, the first
authentication class, answers 429 to an address over the "auth_failure" rate before any token is
looked up, so tokens cannot be guessed at speed and a locked-out caller learns nothing.

Uploads also have a quota of their own (`UploadQuotaThrottle`, UNMASK_UPLOAD_QUOTA_PER_MINUTE per
token or user), far below the request rate: one integration must not queue hundreds of clips a
minute for workers that score a few. Its refusal says so with the code `upload_quota`.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class _RateFromSettings(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(
                f"No API throttle rate set for scope {self.scope!r}."
            ) from exc

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        if rate is None:
            return None, None
        count, _, period = rate.partition("/")
        if not count.strip().isdigit() or not period or period.strip()[0] not in _PERIODS:
            raise ImproperlyConfigured(
                f"API throttle rate {rate!r} for {self.scope!r} is not like '600/minute'."
            )
        return int(count), _PERIODS[period.strip()[0]]

    def allow_request(self, request: Request, view: Any) -> bool:
        # Read the rate per request (settings may change, e.g. in tests).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class TokenRateThrottle(_RateFromSettings):
    """Authenticated callers: one bucket per API token, or per user for session calls."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        token = request.auth
        ident = f"token-{token.pk}" if getattr(token, "pk", None) else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(_RateFromSettings):
    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class FailedAuthThrottle(_RateFromSettings):
    """Failed authentications per client address, in a sliding window like the other throttles.

    Not in DEFAULT_THROTTLE_CLASSES: it is fed by `record_failure` (the exception handler) and
    read by `FailedAuthGuard`, because DRF's throttles run only after authentication succeeded.
    """

    scope = "auth_failure"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _load(self, request: Request) -> str | None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return self.key

    def record_failure(self, request: Request) -> None:
        if self._load(request) is None:
            return
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)

    def locked_for(self, request: Request) -> float | None:
        """Seconds until the address may try again, or None when it is under the rate."""
        if self._load(request) is None or len(self.history) < self.num_requests:
            return None
        # The oldest failure that still counts leaves the window first.
        oldest_counted = self.history[self.num_requests - 1]
        return max(self.duration - (self.now - oldest_counted), 1.0)


class FailedAuthGuard(BaseAuthentication):
    """First in DEFAULT_AUTHENTICATION_CLASSES: refuse an address with too many recent 401s.

    A caller already signed in to the desk (a session cookie, which cannot be guessed) is not
    held back by failures of others behind the same address.
    """

    def authenticate(self, request: Request) -> None:
        django_user = getattr(request._request, "user", None)
        if django_user is not None and django_user.is_authenticated:
            return None
        wait = FailedAuthThrottle().locked_for(request)
        if wait is not None:
            raise exceptions.Throttled(
                wait=wait, detail="Too many failed authentication attempts from this address."
            )
        return None

    def authenticate_header(self, request: Request) -> str:
        # DRF takes the WWW-Authenticate challenge from the first class: keep 401, not 403.
        return "Token"


class UploadQuotaExceeded(Throttled):
    """429 upload_quota: the caller uploaded its quota of clips this minute."""

    error_code = "upload_quota"


class UploadQuotaThrottle(TokenRateThrottle):
    """Clip uploads per API token (or session user) per minute; a quota of 0 is no quota."""

    scope = "upload"

    def get_rate(self) -> str | None:
        quota = settings.UNMASK_UPLOAD_QUOTA_PER_MINUTE
        return f"{quota}/minute" if quota else None

    def allow_request(self, request: Request, view: Any) -> bool:
        if super().allow_request(request, view):
            return True
        wait = self.wait()
        seconds = int(wait or 0) + 1
        raise UploadQuotaExceeded(
            wait=wait,
            detail=(
                f"Upload quota reached: at most {self.num_requests} clips a minute per token; "
                f"retry in {seconds} s."
            ),
        )
