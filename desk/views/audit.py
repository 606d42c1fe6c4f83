"""The audit log for senior moderators and admins: every audited act, filtered."""

from datetime import datetime, timedelta

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.access import senior_required
from dashboard.models import AuditEvent
from desk.forms import AuditFilterForm

PAGE_SIZE = 50


def _filtered(form: AuditFilterForm) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor", "clip").order_by("-created_at", "-id")
    if not form.is_bound or not form.is_valid():
        return events
    data = form.cleaned_data
    clip = data["clip"].replace("-", "").strip().lower()
    if clip:
        events = events.filter(clip__public_id__istartswith=clip)
    if data["user"].strip():
        events = events.filter(actor__username__iexact=data["user"].strip())
    if data["action"].strip():
        events = events.filter(action__startswith=data["action"].strip())
    tz = timezone.get_current_timezone()
    if data["date_from"]:
        events = events.filter(
            created_at__gte=datetime.combine(data["date_from"], datetime.min.time(), tzinfo=tz)
        )
    if data["date_to"]:
        end = datetime.combine(data["date_to"], datetime.min.time(), tzinfo=tz)
        events = events.filter(created_at__lt=end + timedelta(days=1))
    return events


@require_GET
@senior_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    page = Paginator(_filtered(form), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "dashboard/audit.html",
        {"form": form, "page": page, "querystring": params.urlencode()},
    )
