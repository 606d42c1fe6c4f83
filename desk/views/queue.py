"""The queue pages: the moderators' queue, the seniors' escalations, "Next clip", and the live
scoring progress fragment the queue polls."""

import uuid
from contextlib import suppress

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboard.access import moderator_required, readable_clip_or_403, senior_required
from dashboard.claims import ClaimError, claim_next_clip, release_claim
from dashboard.constants import SCORING_STATES, ClipStatus
from dashboard.models import Clip
from dashboard.presets import active_presets, platform_table
from dashboard.roles import is_senior
from desk.forms import QueueFilterForm
from desk.media import blur_media_for
from desk.queue import QueueFilters, QueueRow, queue_page

# htmx stops polling an element when its response has this status.
HTMX_STOP_POLLING = 286


def _render_queue(
    request: HttpRequest, *, escalations: bool, title: str, template: str
) -> HttpResponse:
    form = QueueFilterForm(request.GET or None, user=request.user)
    filters = form.to_filters()
    if escalations:
        filters = QueueFilters(**{**filters.__dict__, "status": ClipStatus.ESCALATED})
    # A keyset cursor; old `?page=N` links (before issue 21) open the first page.
    result = queue_page(filters, request.user, request.GET.get("after"), form.page_size())
    _add_links(result.rows)
    # One read of the platform presets: the filter's suggestions and the rows' names.
    platforms = platform_table()
    form.fields["platform"].widget.presets = active_presets(platforms)
    context = {
        "platforms": platforms,
        "title": title,
        "form": form,
        "rows": result.rows,
        "page": result,
        "escalations": escalations,
        "status_counts": [] if escalations else result.status_counts,
        "queue_tabs": [] if escalations else result.queue_tabs,
        "current_queue": filters.queue,
        "current_status": filters.status,
        "querystring": _without_page(request),
        "blur_media": blur_media_for(request.user),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "dashboard/_queue_results.html", context)
    return render(request, template, context)


_UUID_SLOT = "00000000-0000-0000-0000-000000000000"
_INT_SLOT = 987654321


def _add_links(rows: list[QueueRow]) -> None:
    """Each row's links, reversed once per page and filled in (reverse() per row is slow)."""
    clip_url = reverse("dashboard:clip", args=[_UUID_SLOT])
    crop_url = reverse("dashboard:crop", args=[_INT_SLOT])
    person_url = reverse("dashboard:person", args=[_INT_SLOT])
    for row in rows:
        row.url = clip_url.replace(_UUID_SLOT, str(row.clip.public_id))
        if row.thumb_crop_id:
            row.thumb_url = crop_url.replace(str(_INT_SLOT), str(row.thumb_crop_id))
        for person in row.persons:
            person.url = person_url.replace(str(_INT_SLOT), str(person.pk))


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("after", None)
    return params.urlencode()


@require_GET
@moderator_required
def queue(request: HttpRequest) -> HttpResponse:
    return _render_queue(
        request, escalations=False, title=_("Queue"), template="dashboard/queue.html"
    )


@require_GET
@senior_required
def escalations(request: HttpRequest) -> HttpResponse:
    return _render_queue(
        request, escalations=True, title=_("Escalations"), template="dashboard/queue.html"
    )


@require_POST
@moderator_required
def next_clip(request: HttpRequest) -> HttpResponse:
    """Claim the highest-priority clip nobody holds and open it; skip the one being left."""
    escalated = request.POST.get("escalated") == "1"
    if escalated and not is_senior(request.user):
        raise PermissionDenied
    skipped: list[int] = []
    leaving = _uuid_or_none(request.POST.get("release", ""))
    if leaving is not None:
        clip = Clip.objects.filter(public_id=leaving).only("pk").first()
        if clip is not None:
            skipped.append(clip.pk)
            # Not held any more (expired or decided): nothing to give back.
            with suppress(ClaimError):
                release_claim(clip.pk, request.user)
    try:
        # From the queue the switcher shows, or every queue the moderator works.
        clip = claim_next_clip(
            request.user, escalated=escalated, exclude=skipped, queue=request.POST.get("queue", "")
        )
    except ClaimError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:queue")
    if clip is None:
        messages.info(request, _("Nothing is waiting for review right now."))
        return redirect("dashboard:escalations" if escalated else "dashboard:queue")
    return redirect("dashboard:clip", public_id=clip.public_id)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    """The clip id the page posted, or None for anything that is not one (nothing to leave)."""
    try:
        return uuid.UUID(value.strip()) if value and len(value) <= 64 else None
    except ValueError:
        return None


@require_GET
@moderator_required
def scoring_progress(request: HttpRequest, public_id: str) -> HttpResponse:
    """The queue row's progress cell; stops the polling once scoring has finished."""
    clip = readable_clip_or_403(
        request.user,
        public_id,
        Clip.objects.only(
            "public_id",
            "status",
            "score",
            "scoring_done",
            "scoring_total",
            "failure_reason",
            "submitted_by",
        ),
    )
    finished = clip.status not in SCORING_STATES
    return render(
        request,
        "dashboard/_scoring_progress.html",
        {"clip": clip},
        status=HTMX_STOP_POLLING if finished else 200,
    )
