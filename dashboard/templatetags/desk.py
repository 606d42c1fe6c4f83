"""Template helpers of the review desk: role checks for navigation and display formatting."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from dashboard import roles

register = template.Library()


@register.filter
def is_senior(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return roles.is_senior(user)


@register.filter
def is_moderator(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return roles.is_moderator(user)


@register.filter
def clock(seconds: float | None) -> str:
    """Seconds as m:ss.s, the way a video player shows a moment."""
    if seconds is None:
        return ""
    minutes, rest = divmod(float(seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


@register.filter
def timings(values: Mapping[str, Any] | None) -> str:
    """A run's stage timings as "decode 120 ms · faces 31 ms · …"."""
    if not values:
        return ""
    return " · ".join(f"{stage} {float(ms):.0f} ms" for stage, ms in values.items())


@register.filter
def percent(done: int | None, total: int | None) -> int:
    if not total:
        return 0
    return round(100 * (done or 0) / total)


@register.filter
def age(moment: datetime | None) -> str:
    """How long ago, coarsely ("45 min", "3 h", "12 d"): cheap enough for every queue row."""
    if moment is None:
        return ""
    seconds = max(0, int((timezone.now() - moment).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


@register.filter
def score(value: float | None, digits: int = 2) -> str:
    """A score with a fixed number of decimals (floatformat is too slow for every queue row)."""
    return "" if value is None else f"{value:.{int(digits)}f}"
