"""Who may call what in the API, by role.

Reporter tokens (integrations) submit clips and reports and read the status of the clips they
submitted; moderators read and decide; seniors also read the audit log; admins do everything.
"""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from dashboard.roles import is_admin, is_moderator, is_reporter, is_senior


class CanSubmitClips(BasePermission):
    """Reporters (integrations) and every moderator role may submit clips and reports."""

    message = "Your role cannot submit clips."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_reporter(request.user) or is_moderator(request.user)


class CanReadClip(BasePermission):
    """Moderators read every clip; a reporter only the clips it submitted."""

    message = "Your role cannot read this clip."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_reporter(request.user) or is_moderator(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if is_moderator(request.user):
            return True
        return obj.submitted_by_id == request.user.pk


class IsModerator(BasePermission):
    message = "Only moderators may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_moderator(request.user)


class IsSenior(BasePermission):
    message = "Only senior moderators and admins may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_senior(request.user)


class IsAdmin(BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_admin(request.user)


class ReadModeratorWriteAdmin(BasePermission):
    message = "Only admins may change this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return is_moderator(request.user)
        return is_admin(request.user)
