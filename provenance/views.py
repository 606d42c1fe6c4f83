"""Provenance pages: mark a match wrong, register and show authentic references.

Each view checks access, parses a form, calls one service and redirects or renders.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.access import can_read_clip, moderator_required
from dashboard.errors import ServiceError, refuse
from dashboard.http import stored_file_response
from provenance import refimport, services, tasks
from provenance.forms import ReferenceForm, ReferenceImportForm
from provenance.models import BankEntry, BankKind, BankMatch, ImportState, ReferenceImport


@require_POST
@moderator_required
def mark_wrong(request: HttpRequest, match_id: int) -> HttpResponse:
    match = get_object_or_404(BankMatch.objects.select_related("clip"), pk=match_id)
    # The visibility rule (dashboard.access): a clip hidden from the moderator is not theirs to
    # change either (an escalated clip, for a moderator).
    if not can_read_clip(request.user, match.clip):
        raise PermissionDenied(_("You may not read this clip."))
    try:
        services.do_mark_match_wrong(match.pk, request.user)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.success(request, f"Match with entry #{match.entry_id} marked wrong.")
    return redirect("dashboard:clip", public_id=match.clip.public_id)


@require_POST
@moderator_required
def tag_banked_persons(request: HttpRequest, match_id: int) -> HttpResponse:
    """Tag the persons the matched known fake's original depicts; back to the clip."""
    match = get_object_or_404(BankMatch.objects.select_related("clip"), pk=match_id)
    if not can_read_clip(request.user, match.clip):
        raise PermissionDenied("You may not read this clip.")
    try:
        tagged = services.do_tag_banked_persons(match.pk, request.user)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        names = ", ".join(person.name for person in tagged)
        messages.success(
            request,
            _("Tagged from the known fake: %(names)s.") % {"names": names}
            if tagged
            else _("Everyone the known fake depicts is tagged already."),
        )
    return redirect("dashboard:clip", public_id=match.clip.public_id)


@require_http_methods(["GET", "POST"])
@moderator_required
def references(request: HttpRequest) -> HttpResponse:
    form = ReferenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.do_register_reference(
                form.cleaned_data["person"],
                form.cleaned_data["title"],
                form.cleaned_data["file"],
                request.user,
            )
        except services.ProvenanceError as exc:
            form.add_error("file", exc.message)
        else:
            # The clips already on the desk are compared with it once it commits.
            tasks.match_desk_on_commit(entry.pk)
            messages.success(request, f"Reference #{entry.pk} registered.")
            return redirect("provenance:references")
    entries = (
        BankEntry.objects.filter(bank__kind=BankKind.REFERENCE)
        .select_related("person", "bank")
        .order_by("-created_at")[:200]
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "provenance/references.html", {"form": form, "entries": entries}, status=status
    )


@require_GET
@moderator_required
def reference_media(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(
        BankEntry.objects.exclude(reference_file=""), pk=entry_id, bank__kind=BankKind.REFERENCE
    )
    response = stored_file_response(entry.reference_file, f"reference-{entry.pk}", inline=True)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_http_methods(["GET", "POST"])
@moderator_required
def reference_imports(request: HttpRequest) -> HttpResponse:
    """Upload a ZIP of references with its CSV; the import runs as a job (its page shows it)."""
    form = ReferenceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = refimport.open_zip_import(
                form.cleaned_data["archive"], request.user, form.cleaned_data["manifest"]
            )
        except ServiceError as exc:
            form.add_error(None, f"{exc.message} ({exc.code})")
        else:
            messages.success(request, _("Import #%(id)s started.") % {"id": job.pk})
            return redirect("provenance:reference_import", import_id=job.pk)
    imports = ReferenceImport.objects.select_related("created_by")[:50]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "provenance/reference_imports.html",
        {"form": form, "imports": imports},
        status=status,
    )


@require_GET
@moderator_required
def reference_import(request: HttpRequest, import_id: int) -> HttpResponse:
    """One import's progress (rows done of the total) and the report of what was refused."""
    job = get_object_or_404(ReferenceImport, pk=import_id)
    return render(
        request,
        "provenance/reference_import.html",
        {
            "job": job,
            "counts": refimport.report_counts(job),
            "running": job.state != ImportState.DONE,
        },
    )


@require_GET
@moderator_required
def change_overlay(request: HttpRequest, match_id: int) -> HttpResponse:
    """What changed between a clip and its reference photo, drawn over the reference: shown
    to whoever may read the clip, like the clip's own media."""
    match = get_object_or_404(
        BankMatch.objects.select_related("clip").exclude(change_overlay=""), pk=match_id
    )
    if not can_read_clip(request.user, match.clip):
        raise PermissionDenied
    response = stored_file_response(match.change_overlay, f"changes-{match.pk}", inline=True)
    response["Cache-Control"] = "private, max-age=3600"
    return response
