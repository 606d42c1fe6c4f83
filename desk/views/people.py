"""The per-person page: every clip depicting one person that the moderator may read
(dashboard.access.visible_clips), with its status and decisions, in keyset pages
(desk/people.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from dashboard.access import moderator_required
from dashboard.models import Person
from desk.people import person_clips


@require_GET
@moderator_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    page = person_clips(person, request.user, request.GET.get("after"))
    return render(request, "dashboard/person.html", {"person": person, "page": page})
