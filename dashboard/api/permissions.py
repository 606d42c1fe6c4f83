"""Who may call what in the API, by role.

Reporter tokens (integrations) submit clips and read (and report) the clips they submitted;
moderators read and decide; seniors also read escalated clips and the audit log; admins do
everything. Which clip a caller may read is the one rule in `dashboard.access`.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from dashboard.access import can_read_clip
from dashboard.roles import is_admin, is_moderator, is_reporter, is_senior


class CanSubmitClips(BasePermission):
    """Reporters (integrations) and every moderator role may submit clips and reports."""

    message = _("Your role cannot submit clips.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_reporter(request.user) or is_moderator(request.user)


class CanReadClip(BasePermission):
    """The visibility rule (dashboard.access.can_read_clip): seniors read every clip,
    moderators all but escalated ones, a reporter only the clips it submitted."""

    message = _("Your role cannot read this clip.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_reporter(request.user) or is_moderator(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return can_read_clip(request.user, obj)


class CanReportClip(CanReadClip):
    """Reports through the reports endpoint go to clips the caller may read: for a reporter,
    the clips it submitted (a duplicate upload is how it reports anyone else's)."""

    message = _("You may report only clips you may read; a reporter, the clips it submitted.")


class CanReadAccounts(BasePermission):
    """Reporters and moderators list accounts; which ones each sees is the queryset's rule
    (dashboard.accounts.visible_accounts: a reporter, the accounts behind its own clips)."""

    message = "Your role cannot read accounts."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_reporter(request.user) or is_moderator(request.user)


class IsModerator(BasePermission):
    message = _("Only moderators may do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_moderator(request.user)


class IsSenior(BasePermission):
    message = _("Only senior moderators and admins may do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_senior(request.user)


class IsAdmin(BasePermission):
    message = _("Only admins may do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_admin(request.user)


class ReadModeratorWriteAdmin(BasePermission):
    message = _("Only admins may change this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return is_moderator(request.user)
        return is_admin(request.user)
