"""Who may read appeals through the API: moderators every one, a reporter those it filed."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from dashboard.roles import is_moderator, is_reporter


class CanReadAppeal(BasePermission):
    message = "Your role cannot read this appeal."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_reporter(request.user) or is_moderator(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if is_moderator(request.user):
            return True
        return obj.submitted_by_id == request.user.pk
