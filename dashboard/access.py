"""Who may see what: the one clip visibility rule, and the desk views' access decorators.

The rule (`visible_clips`, `can_read_clip`) is asked by every place that shows a clip — the
desk's queue and search, the review page and what it posts, media, face crops, person pages,
the API's list and detail, reports, duplicate uploads, appeals and renditions:

- seniors and admins read every clip;
- moderators read every clip except escalated ones (escalations are for seniors);
- a reporter (an integration's token) reads only the clips it submitted;
- anyone else reads none.

A clip outside the rule is refused (403) when asked for by id, and left out of every list.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from dashboard.constants import ClipStatus
from dashboard.models import Clip
from dashboard.roles import is_moderator, is_reporter, is_senior

View = Callable[..., HttpResponse]
User = AbstractBaseUser | AnonymousUser | None

# Statuses only seniors (and admins) may see.
SENIOR_ONLY_STATUSES: tuple[str, ...] = (ClipStatus.ESCALATED,)


def visible_statuses(user: User) -> tuple[str, ...]:
    """The statuses whose clips `user` may read among those the rule lets it see."""
    if is_senior(user):
        return tuple(ClipStatus.values)
    return tuple(s for s in ClipStatus.values if s not in SENIOR_ONLY_STATUSES)


def visible_clips(user: User, queryset: QuerySet[Clip] | None = None) -> QuerySet[Clip]:
    """The clips (of `queryset`, all clips by default) that `user` may read."""
    clips = Clip.objects.all() if queryset is None else queryset
    if is_senior(user):
        return clips
    if is_moderator(user):
        return clips.exclude(status__in=SENIOR_ONLY_STATUSES)
    if is_reporter(user):
        return clips.filter(submitted_by=user)
    return clips.none()


def can_read_clip(user: User, clip: Clip) -> bool:
    """Whether `user` may read `clip`: `visible_clips` for one clip already loaded."""
    if is_senior(user):
        return True
    if is_moderator(user):
        return clip.status not in SENIOR_ONLY_STATUSES
    if is_reporter(user):
        return clip.submitted_by_id is not None and clip.submitted_by_id == user.pk
    return False


def readable_clip_or_403(
    user: User, public_id: object, queryset: QuerySet[Clip] | None = None
) -> Clip:
    """The clip with `public_id` (404 when there is none), or PermissionDenied (403) when the
    rule does not let `user` read it. For the desk's views; the API asks `can_read_clip`."""
    clips = Clip.objects.all() if queryset is None else queryset
    clip = get_object_or_404(clips, public_id=public_id)
    if not can_read_clip(user, clip):
        raise PermissionDenied(_("You may not read this clip."))
    return clip


def _require(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


moderator_required = _require(is_moderator)
senior_required = _require(is_senior)
