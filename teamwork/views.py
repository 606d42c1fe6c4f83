"""Pages of the team workflow: the confirmation queue, appeals, SLA breaches, evidence packs.

Each view checks access, parses a form, calls one service and renders or redirects; the rules
(who may confirm, review an appeal, request a pack) live in the services.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.access import moderator_required, senior_required
from dashboard.constants import DecisionAction
from dashboard.errors import ServiceError, refuse
from dashboard.http import media_erased_response, stored_file_response
from dashboard.models import Clip
from teamwork import appeals, confirmations, packs, sla
from teamwork.constants import PendingState
from teamwork.forms import AppealDecisionForm, AppealForm, ConfirmForm, OverturnForm
from teamwork.models import Appeal, EvidencePack, PendingDecision

PAGE_SIZE = 50
# The review page's decision keys (static/js/review.js), the same on every page that decides.
DECISION_KEYS = {
    DecisionAction.APPROVE: "a",
    DecisionAction.LABEL: "l",
    DecisionAction.REMOVE: "r",
    DecisionAction.ESCALATE: "e",
}
# Rows with less than this much time left are highlighted as at risk.
AT_RISK_HOURS = 1.0


def _errors(form) -> str:
    return " ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


# --- Two-person rule ----------------------------------------------------------------------------


@require_GET
@moderator_required
def confirmations_queue(request: HttpRequest) -> HttpResponse:
    rows = [
        (pending, confirmations.may_resolve(pending, request.user))
        for pending in confirmations.pending_queue()[:PAGE_SIZE]
    ]
    return render(request, "teamwork/confirmations.html", {"rows": rows})


def _pending_page(
    request: HttpRequest, pending: PendingDecision, status: int = 200, **forms
) -> HttpResponse:
    overturn_form = forms.get("overturn_form") or OverturnForm()
    # "o" goes to the overturn's outcome; the proposed action's own key to "Confirm".
    overturn_form.fields["action"].widget.attrs.update(
        {"data-shortcut": "o", "aria-keyshortcuts": "o"}
    )
    context = {
        "pending": pending,
        "clip": pending.clip,
        "may_resolve": confirmations.may_resolve(pending, request.user),
        # Offered to the proposer only: a senior who disagrees overturns, with a reason.
        "may_withdraw": pending.state == PendingState.PENDING
        and pending.proposed_by_id == request.user.pk,
        "confirm_key": DECISION_KEYS.get(pending.action, ""),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "overturn_form": overturn_form,
    }
    return render(request, "teamwork/pending.html", context, status=status)


def _pending_or_404(pending_id: int) -> PendingDecision:
    return get_object_or_404(
        PendingDecision.objects.select_related("clip", "proposed_by", "resolved_by"),
        pk=pending_id,
    )


@require_GET
@moderator_required
def pending_detail(request: HttpRequest, pending_id: int) -> HttpResponse:
    return _pending_page(request, _pending_or_404(pending_id))


@require_POST
@moderator_required
def pending_confirm(request: HttpRequest, pending_id: int) -> HttpResponse:
    pending = _pending_or_404(pending_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _pending_page(request, pending, 400, confirm_form=form)
    try:
        confirmations.confirm_decision(pending.pk, request.user, form.cleaned_data["note"])
    except ServiceError as exc:
        return _pending_page(request, pending, refuse(request, exc), confirm_form=form)
    messages.success(
        request, f"Clip {pending.clip.short_id}: {pending.get_action_display().lower()} confirmed."
    )
    return redirect("teamwork:confirmations")


@require_POST
@moderator_required
def pending_overturn(request: HttpRequest, pending_id: int) -> HttpResponse:
    pending = _pending_or_404(pending_id)
    form = OverturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _pending_page(request, pending, 400, overturn_form=form)
    try:
        decision = confirmations.overturn_decision(pending.pk, request.user, form.to_request())
    except ServiceError as exc:
        return _pending_page(request, pending, refuse(request, exc), overturn_form=form)
    outcome = decision.get_action_display().lower()
    if isinstance(decision, PendingDecision):
        # A policy covers the new outcome too: it waits for a further moderator.
        messages.success(
            request,
            f"Clip {pending.clip.short_id}: overturned; {outcome} applies once another "
            "moderator confirms it.",
        )
    else:
        messages.success(request, f"Clip {pending.clip.short_id}: overturned, {outcome} applied.")
    return redirect("teamwork:confirmations")


@require_POST
@moderator_required
def pending_withdraw(request: HttpRequest, pending_id: int) -> HttpResponse:
    pending = _pending_or_404(pending_id)
    try:
        confirmations.withdraw_decision(pending.pk, request.user, request.POST.get("reason", ""))
    except ServiceError as exc:
        return _pending_page(request, pending, refuse(request, exc))
    messages.success(request, f"Clip {pending.clip.short_id}: decision withdrawn.")
    return redirect("teamwork:confirmations")


# --- Appeals ------------------------------------------------------------------------------------


@require_GET
@moderator_required
def appeals_queue(request: HttpRequest) -> HttpResponse:
    rows = [
        (appeal, appeals.may_review(appeal, request.user))
        for appeal in appeals.open_appeals()[:PAGE_SIZE]
    ]
    context = {"rows": rows, "counts": appeals.appeal_counts()}
    return render(request, "teamwork/appeals.html", context)


def _appeal_page(
    request: HttpRequest, appeal: Appeal, form: AppealDecisionForm | None = None, status=200
) -> HttpResponse:
    context = {
        "appeal": appeal,
        "clip": appeal.clip,
        "may_review": appeals.may_review(appeal, request.user),
        "form": form or AppealDecisionForm(),
    }
    return render(request, "teamwork/appeal.html", context, status=status)


def _appeal_or_404(appeal_id: int) -> Appeal:
    return get_object_or_404(
        Appeal.objects.select_related("clip", "decision__moderator", "reviewed_by"),
        pk=appeal_id,
    )


@require_GET
@moderator_required
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    return _appeal_page(request, _appeal_or_404(appeal_id))


@require_POST
@moderator_required
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = _appeal_or_404(appeal_id)
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _appeal_page(request, appeal, form, 400)
    try:
        decided = appeals.decide_appeal(
            appeal.pk,
            request.user,
            form.cleaned_data["outcome"],
            form.cleaned_data["reason"],
            form.new_outcome(),
        )
    except ServiceError as exc:
        return _appeal_page(request, appeal, form, refuse(request, exc))
    if decided.new_decision is not None:
        messages.success(
            request,
            _("Appeal on clip %(clip)s overturned: %(action)s recorded.")
            % {
                "clip": appeal.clip.short_id,
                "action": decided.new_decision.get_action_display(),
            },
        )
    else:
        messages.success(request, f"Appeal on clip {appeal.clip.short_id} decided.")
    return redirect("teamwork:appeals")


@require_http_methods(["GET", "POST"])
@moderator_required
def appeal_new(request: HttpRequest, public_id: str) -> HttpResponse:
    """An appeal entered by hand (received by mail or phone)."""
    clip = get_object_or_404(Clip, public_id=public_id)
    form = AppealForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                appeal = appeals.file_appeal(
                    clip.pk,
                    request.user,
                    form.cleaned_data["statement"],
                    appellant=form.cleaned_data["appellant"],
                    source="desk",
                )
            except ServiceError as exc:
                status = refuse(request, exc)
            else:
                messages.success(request, "Appeal recorded; it waits in the Appeals queue.")
                return redirect("teamwork:appeal", appeal_id=appeal.pk)
        else:
            status = 400
    return render(request, "teamwork/appeal_new.html", {"clip": clip, "form": form}, status=status)


# --- SLA ----------------------------------------------------------------------------------------


@require_GET
@senior_required
def sla_overview(request: HttpRequest) -> HttpResponse:
    """Seniors: recorded breaches, and the open clips with the least time left."""
    now = timezone.now()
    breaches = Paginator(sla.breaches(), PAGE_SIZE).get_page(request.GET.get("page"))
    at_risk = list(sla.open_clips_by_time_left().select_related("claimed_by")[:PAGE_SIZE])
    for clip in at_risk:
        clip.hours_left = (clip.sla_deadline - now).total_seconds() / 3600
    context = {
        "breaches": breaches,
        "at_risk": at_risk,
        "at_risk_hours": AT_RISK_HOURS,
        "bands": sla.configured_bands(),
    }
    return render(request, "teamwork/sla.html", context)


# --- Evidence packs -----------------------------------------------------------------------------


@require_POST
@moderator_required
def pack_request(request: HttpRequest, public_id: str) -> HttpResponse:
    clip = get_object_or_404(Clip, public_id=public_id)
    try:
        pack = packs.request_pack(clip.pk, request.user)
    except ServiceError as exc:
        refuse(request, exc)
        return redirect("dashboard:clip", public_id=clip.public_id)
    return redirect("teamwork:pack", pack_id=pack.pk)


@require_GET
@moderator_required
def pack_detail(request: HttpRequest, pack_id: int) -> HttpResponse:
    pack = get_object_or_404(EvidencePack.objects.select_related("clip"), pk=pack_id)
    template = "teamwork/_pack_status.html" if request.htmx else "teamwork/pack.html"
    return render(request, template, {"pack": pack, "clip": pack.clip})


@require_GET
@moderator_required
def pack_download(request: HttpRequest, pack_id: int) -> HttpResponse:
    pack = get_object_or_404(EvidencePack.objects.select_related("clip"), pk=pack_id)
    if pack.clip.media_erased_at is not None:
        return media_erased_response(pack.clip)
    if not pack.file:
        raise Http404(_("This pack is not built yet."))
    return stored_file_response(pack.file, f"evidence-{pack.clip.short_id}-{pack.pk}", inline=False)
