"""The review page and what it posts: claim heartbeat, release, decide-and-next, notes, persons,
and the wellness blur preference.

Opening the page claims the clip for the moderator (claims.claim_clip; a renewal when they hold
it already). Every view here first asks the visibility rule (dashboard.access): an escalated
clip is refused to a moderator (403) before anything of it is shown. Other refusals come from
the services: a clip someone else holds or a decided one is shown read-only with the reason.
JSON answers go to the page's script (it sends `Accept: application/json`); plain form posts
get a redirect or the page again.
"""

import dataclasses
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.access import moderator_required, readable_clip_or_403
from dashboard.claims import (
    claim_clip,
    claim_next_clip,
    may_decide_now,
    release_claim,
    renew_claim,
)
from dashboard.constants import ClipStatus, DecisionAction, ReportStatement
from dashboard.decisions import DecisionError, add_note, apply_decision
from dashboard.errors import ServiceError, refusal_json, refuse
from dashboard.models import Clip, Decision, Label, RemovalPolicy
from dashboard.persons import add_person, may_edit_persons, remove_person
from dashboard.presets import policy_names
from dashboard.reports import ReportError, accept_statements, dismiss_statements
from dashboard.roles import is_senior
from dashboard.signals import LEVEL_SENTENCES, gather_signals, suspicion_level
from desk.forms import DecisionForm, NoteForm, PersonForm
from desk.media import blur_media_for, review_media_for, set_blur_media, unwatched_evidence
from desk.queue import priority_band, sla_deadline
from desk.timeline import build_chart, render_svg
from detection.models import DetectionRun
from detection.signals import abstained, no_face_sentence
from detection.validation import validation_status
from teamwork.models import PendingDecision

HISTORY_LIMIT = 200


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
    user = request.user
    runs = list(
        DetectionRun.objects.filter(clip=clip)
        .with_active_flag()
        .select_related("model")
        .prefetch_related("crops")
        .order_by("-model__is_active", "is_shadow", "-finished_at")
    )
    active = next((r for r in runs if r.is_active_run), None)
    chart = build_chart(active.timeline, active.threshold, clip.duration_s) if active else None
    signals = gather_signals(clip)
    level = suspicion_level(signals)
    no_face = active is not None and abstained(active)
    reports = list(clip.reports.select_related("reporter"))
    first_reported_at = min((r.created_at for r in reports), default=clip.created_at)
    policies = list(RemovalPolicy.objects.all())
    events = list(
        clip.audit_events.select_related("actor").order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )
    return {
        "clip": clip,
        "can_decide": may_decide_now(clip, user),
        "runs": runs,
        "active_run": active,
        # Evidence first, strongest first: what fired, then what did not or could not.
        "suspicion": level,
        "suspicion_sentence": LEVEL_SENTENCES[level],
        "signals_fired": [s for s in signals if s.fired],
        "signals_quiet": [s for s in signals if not s.fired],
        "no_face_sentence": no_face_sentence(active) if no_face else "",
        "validation": validation_status(active.model.validation) if active else None,
        "crops": list(active.crops.all()) if active else [],
        "chart_svg": render_svg(chart) if chart else "",
        "peak": chart.peak if chart else None,
        "reports": reports,
        "pending_reports": [r for r in reports if r.statement == ReportStatement.PENDING],
        "first_reported_at": first_reported_at,
        "sla_deadline": sla_deadline(first_reported_at, clip.priority),
        "priority_band": priority_band(clip.priority),
        "persons": list(clip.persons.all()),
        "can_edit_persons": may_edit_persons(clip, user),
        "decisions": list(
            Decision.objects.filter(clip=clip)
            .select_related("moderator")
            .prefetch_related(Prefetch("labels", queryset=Label.objects.only("name", "name_ko")))
        ),
        "events": events,
        "notes": [e for e in events if e.action == "clip.note"],
        # Manipulation labels first: the ones a Label decision is about.
        "labels": list(
            Label.objects.filter(active=True).order_by("-manipulated", "-category", "name")
        ),
        "removal_policies": [p for p in policies if p.active],
        "policy_names": policy_names(policies),
        "blur_media": blur_media_for(user),
        "media": review_media_for(clip),
        "next_escalated": clip.status == ClipStatus.ESCALATED and is_senior(user),
        # Renew well before the lease ends: four beats per lease, at most a minute apart.
        "heartbeat_seconds": heartbeat_seconds(),
    }


def _render_review(
    request: HttpRequest, clip: Clip, status: int = 200, refusal: ServiceError | None = None
) -> HttpResponse:
    clip.refresh_from_db()
    context = _review_context(request, clip)
    context["refusal"] = refusal
    return render(request, "dashboard/review.html", context, status=status)


@require_GET
@moderator_required
def clip_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """Open a clip for review: claim it when the moderator may, else show it read-only."""
    clip = _clip_or_404(request, public_id)
    try:
        claim_clip(clip.pk, request.user)
    except ServiceError as exc:
        return _render_review(request, clip, refusal=exc)
    return _render_review(request, clip)


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
    media = review_media_for(clip)
    if media.decide_unwatched and not form.cleaned_data["without_watching"]:
        return _refusal(
            request,
            clip,
            ServiceError(
                "decide_without_watching",
                _(
                    "Nothing playable exists for this clip yet. "
                    "Confirm that you decide without watching."
                ),
                409,
            ),
        )
    decision_request = dataclasses.replace(form.to_request(), seen=unwatched_evidence(media))
    try:
        decision = apply_decision(clip.pk, request.user, decision_request)
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
        add_person(clip.pk, request.user, form.cleaned_data["name"])
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
