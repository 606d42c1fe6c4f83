"""The case page: every copy of one fabrication, the strongest evidence, when each copy
appeared, and one decision for all open copies (provenance.cases, teamwork.cases).

Views parse and render; which copies a case decision touches, the two-person rule asked once
for the case, and who may change a case are the services' rules.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from dashboard.access import moderator_required, senior_required
from dashboard.errors import ServiceError
from dashboard.models import Clip, Label
from desk.forms import CaseDecisionForm, CaseMemberForm
from provenance.cases import (
    add_to_case,
    case_copies,
    case_summary,
    open_cases_page,
    remove_from_case,
    strongest_evidence,
)
from provenance.models import Case
from teamwork.cases import (
    CaseDecisionResult,
    confirm_case_decision,
    decide_case,
    pending_case_decision,
)


def _case(public_id: str) -> Case:
    return get_object_or_404(Case, public_id=public_id)


@require_GET
@moderator_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The open cases, newest first, one keyset page at a time (provenance.cases)."""
    page = open_cases_page(request.GET.get("after"))
    return render(request, "dashboard/cases.html", {"page": page})


@require_GET
@moderator_required
def case_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    case = _case(public_id)
    copies = list(case_copies(case))
    return render(
        request,
        "dashboard/case.html",
        {
            "case": case,
            "summary": case_summary(case),
            "copies": copies,
            "strongest": strongest_evidence(case),
            "pending": pending_case_decision(case),
            "labels": list(Label.objects.filter(active=True).order_by("-manipulated", "name")),
            "form": CaseDecisionForm(),
        },
    )


def _report(request: HttpRequest, result: CaseDecisionResult) -> None:
    if result.pending is not None and not result.decisions:
        messages.success(
            request,
            _("The decision on this case waits for a second moderator to confirm it once."),
        )
        return
    messages.success(
        request,
        ngettext(
            "Decision recorded on %(count)d copy.",
            "Decision recorded on %(count)d copies.",
            len(result.decisions),
        )
        % {"count": len(result.decisions)},
    )
    if result.decided_differently:
        messages.warning(
            request,
            ngettext(
                "%(count)d copy was already decided differently and was left as it is: %(clips)s.",
                "%(count)d copies were already decided differently and were left as they are: "
                "%(clips)s.",
                len(result.decided_differently),
            )
            % {
                "count": len(result.decided_differently),
                "clips": ", ".join(clip.short_id for clip, _action in result.decided_differently),
            },
        )


@require_POST
@senior_required
def case_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    case = _case(public_id)
    form = CaseDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the decision: %(errors)s") % {"errors": form.errors})
        return redirect("dashboard:case", case.public_id)
    try:
        _report(request, decide_case(case.pk, request.user, form.to_request()))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("dashboard:case", case.public_id)


@require_POST
@moderator_required
def case_confirm(request: HttpRequest, public_id: str, pending_id: int) -> HttpResponse:
    case = _case(public_id)
    try:
        _report(request, confirm_case_decision(pending_id, request.user))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("dashboard:case", case.public_id)


@require_POST
@senior_required
def case_add(request: HttpRequest, public_id: str) -> HttpResponse:
    case = _case(public_id)
    form = CaseMemberForm(request.POST)
    if form.is_valid():
        clip = Clip.objects.filter(public_id=form.cleaned_data["clip"]).first()
        if clip is None:
            messages.error(request, _("No clip has that id."))
        else:
            try:
                add_to_case(case.pk, clip.pk, request.user)
                messages.success(
                    request, _("Clip %(id)s added to the case.") % {"id": clip.short_id}
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
    else:
        messages.error(request, _("Give the full id of the clip to add."))
    return redirect("dashboard:case", case.public_id)


@require_POST
@senior_required
def case_remove(request: HttpRequest, public_id: str, clip_id: str) -> HttpResponse:
    case = _case(public_id)
    clip = get_object_or_404(Clip, public_id=clip_id)
    try:
        remove_from_case(case.pk, clip.pk, request.user, request.POST.get("reason", ""))
        messages.success(request, _("Clip %(id)s removed from the case.") % {"id": clip.short_id})
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("dashboard:case", case.public_id)
