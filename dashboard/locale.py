"""Each user's language and time zone: what they chose on their profile, else the defaults.

The choice lives on `DeskPreference` (blank = not chosen). `UserLocaleMiddleware` runs after
Django's `LocaleMiddleware` (which reads Accept-Language) and overrides it with the user's
language, then activates the user's time zone — or `settings.TIME_ZONE` — for the request, so
every template shows times in it. Times are stored in UTC whatever the zone.

The choice is copied into the session at login (and on the first request of an older session),
so a page costs no extra query; `set_locale_preference` writes both. A change made elsewhere
(the admin) shows from the user's next login.
"""

from collections.abc import Callable
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from dashboard.errors import ServiceError
from dashboard.models import DeskPreference

SESSION_KEY = "unmask_locale"
# Offered first on the profile page; any IANA zone name is accepted.
OFFERED_TIME_ZONES = (
    "UTC",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
)


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def is_time_zone(name: str) -> bool:
    return name in available_timezones()


def locale_preference(user: AbstractBaseUser) -> tuple[str, str]:
    """The user's (language, time zone) choice; blank strings where none was made."""
    row = DeskPreference.objects.filter(user=user).values_list("language", "time_zone").first()
    return row or ("", "")


def set_locale_preference(
    request: HttpRequest, user: AbstractBaseUser, language: str, time_zone: str
) -> DeskPreference:
    """Record the user's choice (blank = follow the browser / the default) and apply it now."""
    if language and language not in language_codes():
        raise ServiceError("unknown_language", _("The desk does not speak this language."))
    if time_zone and not is_time_zone(time_zone):
        raise ServiceError("unknown_time_zone", _("This is not a time zone name."))
    preference, _created = DeskPreference.objects.update_or_create(
        user=user, defaults={"language": language, "time_zone": time_zone}
    )
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = [language, time_zone]
    _activate(request, language, time_zone)
    return preference


def remember_locale_at_login(
    sender: type, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: object
) -> None:
    """`user_logged_in` receiver: read the choice once per session, at login."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = list(locale_preference(user))


def _activate(request: HttpRequest, language: str, time_zone: str) -> None:
    if language in language_codes():
        translation.activate(language)
        request.LANGUAGE_CODE = language
    if time_zone and is_time_zone(time_zone):
        timezone.activate(ZoneInfo(time_zone))
    else:
        timezone.deactivate()


class UserLocaleMiddleware:
    """The signed-in user's language and time zone for this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = getattr(request, "session", None)
            stored = session.get(SESSION_KEY) if session is not None else None
            if not (isinstance(stored, list) and len(stored) == 2):
                stored = list(locale_preference(user))
                if session is not None:
                    session[SESSION_KEY] = stored
            _activate(request, str(stored[0]), str(stored[1]))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
