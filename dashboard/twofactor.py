"""Two-factor login for desk accounts (TOTP through django-otp): who must give a code, enrolment.

With UNMASK_REQUIRE_2FA_FOR_STAFF on, Senior moderators and Admins reach no page (and no
session-authenticated API call) until this session was verified with a code from a confirmed
authenticator; without one yet they are sent to enrol first. Anyone else who enrolled is asked
for a code at login too. API tokens are not sessions and are unaffected.
"""

from base64 import b32encode
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard.errors import ServiceError
from dashboard.roles import is_senior

# Set by the login view when the account has an authenticator: ask for its code.
ENROLLED_SESSION_KEY = "unmask_otp_enrolled"
# Pages a session waiting for its code may still open.
EXEMPT_VIEWS = {"login", "logout", "otp_verify", "otp_setup", "api-schema", "javascript-catalog"}
DEVICE_NAME = "Authenticator app"


class SecondFactorError(ServiceError):
    """A refused code, enrolment or page (`invalid_code`, `second_factor_required`)."""


def required_by_policy(user: AbstractBaseUser) -> bool:
    """Whether the setting makes a code compulsory for this account (Seniors and Admins)."""
    return settings.UNMASK_REQUIRE_2FA_FOR_STAFF and (is_senior(user) or user.is_staff)


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def needs_code_at_login(user: AbstractBaseUser) -> bool:
    """Asked right after the password: the account enrolled, or the setting requires it."""
    return required_by_policy(user) or confirmed_device(user) is not None


def code_pending(request: HttpRequest) -> bool:
    """Whether this session must still give a code before reaching anything else."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    return bool(request.session.get(ENROLLED_SESSION_KEY)) or required_by_policy(user)


def pending_device(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (one per account, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_as_text(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in: base32, in groups of four."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _check(device: TOTPDevice, token: str) -> bool:
    """Verify under a row lock so django-otp's throttle and replay guard count every try."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        return locked.verify_token(token.strip().replace(" ", ""))


def confirm_enrolment(request: HttpRequest, token: str) -> TOTPDevice:
    """Confirm the pending authenticator with its first code; the session counts as verified."""
    user = request.user
    device = pending_device(user)
    if not _check(device, token):
        raise SecondFactorError("invalid_code", _("That code is not right: try the current one."))
    device.refresh_from_db()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    django_otp.login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True
    return device


def verify_login(request: HttpRequest, token: str) -> TOTPDevice:
    """Check the code of the account's authenticator and mark this session verified."""
    device = confirmed_device(request.user)
    if device is None:
        raise SecondFactorError("not_enrolled", _("Set up an authenticator first."), 409)
    if not _check(device, token):
        raise SecondFactorError("invalid_code", _("That code is not right: try the current one."))
    device.refresh_from_db()
    django_otp.login(request, device)
    return device


class SecondFactorMiddleware:
    """Sends a session that still owes its code to the code page (API: 403 in the API's shape).

    After django-otp's OTPMiddleware, which sets `request.user.is_verified()`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name in EXEMPT_VIEWS or not code_pending(request):
            return None
        if match.route.startswith("api/"):
            return JsonResponse(
                {
                    "error": {
                        "code": "second_factor_required",
                        "message": "Log in on the desk with your authenticator's code first.",
                    }
                },
                status=403,
            )
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('otp_verify')}?{query}")
