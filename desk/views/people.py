"""The per-person page: every clip depicting one person that the moderator may read
(dashboard.access.visible_clips), with its status and decisions."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from dashboard.access import moderator_required, visible_clips
from dashboard.models import Decision, Person

PAGE_SIZE = 50


@require_GET
@moderator_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    clips = (
        visible_clips(request.user, person.clips.all())
        .select_related("claimed_by")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("moderator").prefetch_related("labels"),
            )
        )
        .order_by("-created_at")
    )
    page = Paginator(clips, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dashboard/person.html", {"person": person, "page": page})
