"""Who may read appeals through the API: moderators every one, a reporter those it filed."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from dashboard.api.permissions import CanReadClip
from dashboard.roles import is_moderator


class CanReadAppeal(CanReadClip):
    """Moderators read every appeal; a reporter the appeals it filed (`submitted_by`)."""

    message = _("Your role cannot read this appeal.")

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if is_moderator(request.user):
            return True
        return obj.submitted_by_id == request.user.pk
