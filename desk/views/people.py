"""Person pages: every clip depicting one person that the moderator may read
(dashboard.access.visible_clips) in keyset pages (desk/people.py), the tagging picker's
type-ahead, a senior's aliases and merges (dashboard.identity)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.access import moderator_required, senior_required
from dashboard.errors import ServiceError, refuse
from dashboard.identity import (
    add_alias,
    find_person,
    lookup_persons,
    merge_persons,
    suggested_aliases,
)
from dashboard.models import Clip, Person
from dashboard.roles import is_senior
from desk.forms import AliasForm, MergeForm
from desk.people import person_clips


@require_GET
@moderator_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("merged_into"), pk=person_id)
    page = person_clips(person, request.user, request.GET.get("after"))
    senior = is_senior(request.user)
    return render(
        request,
        "dashboard/person.html",
        {
            "person": person,
            "page": page,
            "alias_rows": person.alias_rows(),
            "suggested_aliases": suggested_aliases(person) if senior else [],
            "can_merge": senior and person.merged_into_id is None,
        },
    )


@require_GET
@moderator_required
def person_lookup(request: HttpRequest) -> HttpResponse:
    """The picker's options for the typed text: a server-rendered list (persons/_options)."""
    lookup = lookup_persons(request.GET.get("q", "")[:200])
    return render(request, "dashboard/_person_options.html", {"lookup": lookup})


@require_POST
@senior_required
def person_alias_add(request: HttpRequest, person_id: int) -> HttpResponse:
    form = AliasForm(request.POST)
    if form.is_valid():
        try:
            add_alias(person_id, request.user, form.cleaned_data["alias"])
            messages.success(request, _("Alias added."))
        except ServiceError as exc:
            refuse(request, exc)
    else:
        messages.error(request, _("Give the alias."))
    return redirect("dashboard:person", person_id=person_id)


@require_http_methods(["GET", "POST"])
@senior_required
def person_merge(request: HttpRequest, person_id: int) -> HttpResponse:
    """Merge another person into this one: pick them, see what moves, confirm (POST)."""
    target = get_object_or_404(Person, pk=person_id, merged_into__isnull=True)
    form = MergeForm(request.POST or request.GET or None)
    source = None
    status = 200
    if form.is_bound and form.is_valid():
        other = form.cleaned_data["other"]
        source = (
            Person.objects.filter(pk=int(other), merged_into__isnull=True).first()
            if other.isdigit()
            else find_person(other)
        )
        if source is None:
            messages.error(request, _("Nobody has that name or alias."))
            status = 400
        elif source.pk == target.pk:
            messages.error(request, _("Choose two different persons to merge."))
            source, status = None, 400
        elif request.method == "POST" and form.cleaned_data["confirm"]:
            try:
                merge_persons(source.pk, target.pk, request.user)
            except ServiceError as exc:
                status = refuse(request, exc)
            else:
                messages.success(
                    request,
                    _("%(source)s was merged into %(target)s.")
                    % {"source": source.name, "target": target.name},
                )
                return redirect("dashboard:person", person_id=target.pk)
    preview = None
    if source is not None:
        preview = {
            "clips": Clip.persons.through.objects.filter(person=source).count(),
            "aliases": [source.name, *source.aliases],
            "protected": source.protected and not target.protected,
        }
    return render(
        request,
        "dashboard/person_merge.html",
        {"target": target, "source": source, "form": form, "preview": preview},
        status=status,
    )
