"""A senior moves an item to another queue from the clip page (routing.services.move_clip)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.access import senior_required
from dashboard.errors import ServiceError, refuse
from dashboard.models import Clip
from dashboard.queues import display_name
from routing.services import move_clip


@require_POST
@senior_required
def move(request: HttpRequest, public_id: str) -> HttpResponse:
    clip = get_object_or_404(Clip.objects.only("pk", "public_id"), public_id=public_id)
    try:
        moved = move_clip(
            clip.pk, request.POST.get("queue", ""), request.user, request.POST.get("note", "")
        )
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("Moved to %(queue)s.") % {"queue": display_name(moved.queue)})
    return redirect("dashboard:clip", public_id=clip.public_id)
