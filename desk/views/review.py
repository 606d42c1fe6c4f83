"""The review page and what it posts: start review, claim heartbeat, release (by button or by
the page's leave beacon), decide-and-next, notes, persons, and the wellness blur preference.

Opening the page is a read-only look: it claims nothing and audits nothing (a moderator who
holds the clip already, from "Next clip", has the lease renewed, unaudited). A claim starts with
"Next clip", "Start review" (`start_review`), or the first decision on a free clip (`decide`
claims and decides in one transaction); leaving the page releases it (`leave`, a `pagehide`
beacon), the lease being the backstop. Every view here first asks the visibility rule
(dashboard.access): an escalated clip is refused to a moderator (403) before anything of it is
shown. Other refusals come from the services: a clip someone else holds or a decided one is
shown read-only with the reason. JSON answers go to the page's script (it sends
`Accept: application/json`); plain form posts get a redirect or the page again.
"""

import dataclasses
from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.access import moderator_required, readable_clip_or_403
from dashboard.accounts import account_counts, account_summary
from dashboard.claims import (
    claim_clip,
    claim_next_clip,
    claim_refusal,
    may_decide_now,
    release_claim,
    release_on_leave,
    renew_claim,
)
from dashboard.constants import AccountRecommendation, ClipStatus, DecisionAction, ReportStatement
from dashboard.decisions import DecisionError, add_note, apply_decision
from dashboard.errors import ServiceError, refusal_json, refuse
from dashboard.identity import link_suggestion, pending_suggestions, reject_suggestion
from dashboard.memo import read_once
from dashboard.models import Clip, Label, RemovalPolicy
from dashboard.persons import add_person, may_edit_persons, remove_person
from dashboard.presets import policy_names
from dashboard.reports import ReportError, accept_statements, dismiss_statements
from dashboard.roles import is_senior
from dashboard.signals import LEVEL_SENTENCES
from desk.forms import DecisionForm, NoteForm, PersonForm
from desk.media import (
    blur_media_for,
    remember_wellness,
    set_blur_media,
    unwatched_evidence_or_refuse,
    wellness_for,
)
from desk.panel import review_panel_context
from desk.queue import priority_band, sla_deadline
from detection.validation import validation_status
from provenance.cases import case_of
from teamwork.models import PendingDecision
from teamwork.sla import configured_bands


def heartbeat_seconds() -> int:
    lease = settings.UNMASK_CLAIM_LEASE.total_seconds()
    return int(min(60, max(2, lease // 4)))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refusals_as_json(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The page's script reads JSON: a clip the rule hides is a JSON 403 for it too."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            if not _wants_json(request):
                raise
            return JsonResponse(
                {"error": "permission_denied", "message": _("You may not read this clip.")},
                status=403,
            )

    return wrapped


def _clip_or_404(request: HttpRequest, public_id: str) -> Clip:
    """The clip, when the visibility rule lets this moderator read it (403 otherwise)."""
    return readable_clip_or_403(
        request.user, public_id, Clip.objects.select_related("claimed_by", "rendition")
    )


def _refusal(request: HttpRequest, clip: Clip, error: ServiceError) -> HttpResponse:
    if _wants_json(request):
        return refusal_json(error)
    return _render_review(request, clip, status=refuse(request, error))


def _review_context(request: HttpRequest, clip: Clip) -> dict[str, Any]:
    """The review panel's context (desk.panel: media, timeline, signals, reports, decisions,
    history), plus what only the review page shows: the decision tools, claim and SLA."""
    user = request.user
    context = review_panel_context(clip, user)
    active = context["active_run"]
    reports = context["reports"]
    first_reported_at = min((r.created_at for r in reports), default=clip.created_at)
    sla_bands = configured_bands(clip.queue_id)
    policies = list(RemovalPolicy.objects.all())
    holding = may_decide_now(clip, user)
    uploader = clip.account
    context.update(
        {
            # The account that posted it, with what became of its other items lately.
            "uploader": uploader,
            "uploader_summary": account_summary(account_counts(uploader, user)) if uploader else "",
            "case": case_of(clip),
            "account_recommendations": AccountRecommendation.choices,
            # The decision tools show when the moderator holds the clip or could claim it now:
            # the first decision claims a free clip (decide). `holding` is the live claim.
            "can_decide": holding or claim_refusal(clip, user) is None,
            "holding": holding,
            "lease_token": clip.claim_expires_at.isoformat() if holding else "",
            "suspicion_sentence": LEVEL_SENTENCES[context["suspicion"]],
            "validation": validation_status(active.model.validation) if active else None,
            "pending_reports": [r for r in reports if r.statement == ReportStatement.PENDING],
            "first_reported_at": first_reported_at,
            # The bands of the clip's routed queue (its own, else the defaults: teamwork.sla).
            "sla_deadline": sla_deadline(first_reported_at, clip.priority, sla_bands),
            "priority_band": priority_band(clip.priority, sla_bands),
            "can_edit_persons": may_edit_persons(clip, user),
            "name_suggestions": pending_suggestions(clip),
            "resolves_suggestions": is_senior(user),
            "notes": [e for e in context["events"] if e.action == "clip.note"],
            # Manipulation labels first: the ones a Label decision is about.
            "labels": list(
                Label.objects.filter(active=True).order_by("-manipulated", "-category", "name")
            ),
            "removal_policies": [p for p in policies if p.active],
            "policy_names": policy_names(policies),
            "blur_media": blur_media_for(user),
            "next_escalated": clip.status == ClipStatus.ESCALATED and is_senior(user),
            # Renew well before the lease ends: four beats per lease, at most a minute apart.
            "heartbeat_seconds": heartbeat_seconds(),
        }
    )
    # A moderator only looking gets the person tools hidden; Start review shows them (review.js
    # shows every [data-held] element once the claim is theirs).
    context["persons_on_start"] = (
        context["can_decide"] and not holding and not context["can_edit_persons"]
    )
    return context


def _render_review(
    request: HttpRequest, clip: Clip, status: int = 200, refusal: ServiceError | None = None
) -> HttpResponse:
    clip.refresh_from_db()
    # Rendering writes nothing: the clip's run, matches and credentials are read once.
    with read_once():
        context = _review_context(request, clip)
        context["refusal"] = refusal
        return render(request, "dashboard/review.html", context, status=status)


@require_GET
@moderator_required
def clip_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """Show a clip: a read-only look that claims nothing and writes no audit event."""
    clip = _clip_or_404(request, public_id)
    if may_decide_now(clip, request.user):
        # Held already (Next clip led here): a fresh lease, so a leave beacon from an earlier
        # page of the same clip (a reload) finds another lease and releases nothing.
        with suppress(ServiceError):
            renew_claim(clip.pk, request.user)
    return _render_review(request, clip, refusal=claim_refusal(clip, request.user))


@require_POST
@moderator_required
@_refusals_as_json
def start_review(request: HttpRequest, public_id: str) -> HttpResponse:
    """Claim the clip being looked at ("Start review"); refused if someone else holds it."""
    clip = _clip_or_404(request, public_id)
    try:
        clip = claim_clip(clip.pk, request.user).clip
    except ServiceError as exc:
        if _wants_json(request):
            return refusal_json(exc)
        refuse(request, exc)
        return redirect("dashboard:clip", public_id=clip.public_id)
    if _wants_json(request):
        # The claim moved the clip to "in review" (a new version): the page's decision forms
        # take it, or their first decision would be refused as made on an outdated page.
        return JsonResponse(
            {"claim_expires_at": clip.claim_expires_at.isoformat(), "version": clip.version}
        )
    return redirect("dashboard:clip", public_id=clip.public_id)


@require_POST
@moderator_required
def leave(request: HttpRequest, public_id: str) -> HttpResponse:
    """The page was left (its `pagehide` beacon): release the claim it held, quietly.

    A beacon reads no answer and the next page must not show a message about it, so every
    outcome is 204; `release_on_leave` ignores a stale or foreign lease.
    """
    clip = _clip_or_404(request, public_id)
    raw = request.POST.get("lease", "")
    with suppress(ValueError):  # a malformed lease is a stale page: nothing to release
        release_on_leave(clip.pk, request.user, parse_datetime(raw) if len(raw) <= 64 else None)
    return HttpResponse(status=204)


@require_POST
@moderator_required
@_refusals_as_json
def heartbeat(request: HttpRequest, public_id: str) -> HttpResponse:
    """Keep the review lease while the page stays open."""
    clip = _clip_or_404(request, public_id)
    try:
        clip = renew_claim(clip.pk, request.user)
    except ServiceError as exc:
        return refusal_json(exc)
    return JsonResponse({"claim_expires_at": clip.claim_expires_at.isoformat()})


@require_POST
@moderator_required
@_refusals_as_json
def release(request: HttpRequest, public_id: str) -> HttpResponse:
    clip = _clip_or_404(request, public_id)
    try:
        release_claim(clip.pk, request.user)
    except ServiceError as exc:
        refuse(request, exc)
    else:
        messages.info(request, _("Clip %(clip)s is back in the queue.") % {"clip": clip.short_id})
    return redirect("dashboard:queue")


@require_POST
@moderator_required
@_refusals_as_json
def decide(request: HttpRequest, public_id: str) -> HttpResponse:
    """Apply one decision, then claim the next clip of the same queue ("decide and next")."""
    clip = _clip_or_404(request, public_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refusal(request, clip, ServiceError("invalid_form", _form_errors(form)))
    from_escalations = clip.status == ClipStatus.ESCALATED
    try:
        seen = unwatched_evidence_or_refuse(clip, form.cleaned_data["without_watching"])
        decision_request = dataclasses.replace(form.to_request(), seen=seen)
        decision = apply_decision(clip.pk, request.user, decision_request, claim=True)
    except ServiceError as exc:
        return _refusal(request, clip, exc)
    action = DecisionAction(form.cleaned_data["action"]).label.lower()
    done = _("Clip %(clip)s: %(action)s recorded.") % {"clip": clip.short_id, "action": action}
    if isinstance(decision, PendingDecision):
        done += " " + _("It applies once a second moderator confirms it.")
    following = claim_next_clip(request.user, escalated=from_escalations)
    if following is not None:
        next_url = reverse("dashboard:clip", args=[following.public_id])
    else:
        next_url = reverse("dashboard:escalations" if from_escalations else "dashboard:queue")
        done += " Nothing else is waiting."
    messages.success(request, done)
    if _wants_json(request):
        return JsonResponse({"decision": decision.pk, "next_url": next_url})
    return redirect(next_url)


def _form_errors(form: DecisionForm) -> str:
    return " ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


def _fragment_or_back(request: HttpRequest, clip: Clip, template: str) -> HttpResponse:
    if request.htmx:
        return render(request, template, _review_context(request, clip))
    return redirect("dashboard:clip", public_id=clip.public_id)


@require_POST
@moderator_required
@_refusals_as_json
def note(request: HttpRequest, public_id: str) -> HttpResponse:
    clip = _clip_or_404(request, public_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refusal(request, clip, DecisionError("note_required", _("Write the note first.")))
    try:
        add_note(clip.pk, request.user, form.cleaned_data["note"])
    except ServiceError as exc:
        return _refusal(request, clip, exc)
    return _fragment_or_back(request, clip, "dashboard/_notes.html")


@require_POST
@moderator_required
@_refusals_as_json
def person_add(request: HttpRequest, public_id: str) -> HttpResponse:
    clip = _clip_or_404(request, public_id)
    form = PersonForm(request.POST)
    if not form.is_valid():
        return _refusal(request, clip, DecisionError("name_required", _("Give the person's name.")))
    try:
        add_person(
            clip.pk,
            request.user,
            form.cleaned_data["name"] or "",
            person_id=form.cleaned_data["person_id"],
            confirm_new=form.cleaned_data["confirm_new"],
        )
    except ServiceError as exc:
        if request.htmx and exc.code == "close_match":
            # The picker shows the warning in place, with the choice to confirm.
            context = _review_context(request, clip)
            context.update(close_warning=exc.message, typed_name=form.cleaned_data["name"])
            return render(request, "dashboard/_persons.html", context, status=exc.status)
        return _refusal(request, clip, exc)
    return _fragment_or_back(request, clip, "dashboard/_persons.html")


@require_POST
@moderator_required
@_refusals_as_json
def suggestion_resolve(
    request: HttpRequest, public_id: str, suggestion_id: int, verdict: str
) -> HttpResponse:
    """A senior links a possible match (same person) or rejects it (dashboard.identity)."""
    clip = _clip_or_404(request, public_id)
    if verdict not in ("link", "reject") or not clip.name_suggestions.filter(pk=suggestion_id):
        raise Http404
    try:
        if verdict == "link":
            link_suggestion(suggestion_id, request.user)
        else:
            reject_suggestion(suggestion_id, request.user)
    except ServiceError as exc:
        return _refusal(request, clip, exc)
    return _fragment_or_back(request, clip, "dashboard/_persons.html")


@require_POST
@moderator_required
@_refusals_as_json
def person_remove(request: HttpRequest, public_id: str, person_id: int) -> HttpResponse:
    clip = _clip_or_404(request, public_id)
    try:
        remove_person(clip.pk, request.user, person_id)
    except ServiceError as exc:
        return _refusal(request, clip, exc)
    return _fragment_or_back(request, clip, "dashboard/_persons.html")


def _review_report(
    request: HttpRequest, public_id: str, report_id: int, accept: bool
) -> HttpResponse:
    clip = _clip_or_404(request, public_id)
    if not clip.reports.filter(pk=report_id).exists():
        raise Http404(_("No such report on this clip."))
    try:
        (accept_statements if accept else dismiss_statements)(report_id, request.user)
    except ReportError as exc:
        return _refusal(request, clip, exc)
    if accept:
        done = _("Report #%(report)s: its statements were accepted; they now count.")
    else:
        done = _("Report #%(report)s: its statements were dismissed.")
    messages.success(request, done % {"report": report_id})
    return redirect("dashboard:clip", public_id=clip.public_id)


@require_POST
@moderator_required
@_refusals_as_json
def report_accept(request: HttpRequest, public_id: str, report_id: int) -> HttpResponse:
    """Apply a pending report's stated reach and persons to the clip (dashboard.reports)."""
    return _review_report(request, public_id, report_id, accept=True)


@require_POST
@moderator_required
@_refusals_as_json
def report_dismiss(request: HttpRequest, public_id: str, report_id: int) -> HttpResponse:
    """Leave the clip as it is and mark a pending report's statements dismissed."""
    return _review_report(request, public_id, report_id, accept=False)


@require_http_methods(["POST"])
@moderator_required
def blur_preference(request: HttpRequest) -> HttpResponse:
    """Remember whether this moderator wants media blurred at first."""
    blurred = request.POST.get("blur") != "0"
    set_blur_media(request.user, blurred)
    remember_wellness(request, wellness_for(request.user))
    if _wants_json(request):
        return JsonResponse({"blur_media": blurred})
    return HttpResponseRedirect(_local_path_or_queue(request, request.POST.get("next", "")))


def _local_path_or_queue(request: HttpRequest, back: str) -> str:
    """`back` when it is a path on this site ("/..."), else the queue: never a view name or
    another host (redirect() would try to reverse "-1" as a URL name and fail)."""
    if (
        back.startswith("/")
        and len(back) <= 2000
        and "\x00" not in back
        and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return back
    return reverse("dashboard:queue")
