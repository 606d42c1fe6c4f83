"""Queue, upload and clip pages."""

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from dashboard.access import moderator_required
from dashboard.constants import ClipStatus
from dashboard.forms import ClipUploadForm
from dashboard.ingest import MediaRejected, ingest_upload
from dashboard.models import Clip

QUEUE_PAGE_SIZE = 50


@moderator_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ClipStatus.AWAITING_REVIEW)
    if status not in ClipStatus.values:
        status = ClipStatus.AWAITING_REVIEW
    clips = (
        Clip.objects.filter(status=status)
        .select_related("claimed_by")
        .prefetch_related("persons")
        .annotate(report_count=Count("reports"))
        .order_by("-priority", "created_at")[:QUEUE_PAGE_SIZE]
    )
    counts = dict(Clip.objects.values_list("status").annotate(n=Count("id")))
    status_counts = [(s, s.label, counts.get(s.value, 0)) for s in ClipStatus]
    return render(
        request,
        "dashboard/queue.html",
        {"clips": clips, "status": status, "status_counts": status_counts},
    )


@moderator_required
def upload_clip(request: HttpRequest) -> HttpResponse:
    status_code = 200
    if request.method == "POST":
        form = ClipUploadForm(request.POST, request.FILES)
        if getattr(request, "unmask_upload_too_large", False):
            form.add_error("file", "The file is larger than the upload limit.")
            status_code = 413
        elif form.is_valid():
            try:
                result = ingest_upload(
                    form.cleaned_data["file"], form.to_submission(), request.user
                )
            except MediaRejected as exc:
                form.add_error("file", f"{exc.message} ({exc.code})")
                status_code = 413 if exc.code == "too_large" else 400
            else:
                if result.created:
                    messages.success(request, "Clip added; it is queued for scoring.")
                else:
                    messages.info(request, "This clip was already known; your report was added.")
                return redirect("dashboard:clip", public_id=result.clip.public_id)
        else:
            status_code = 400
    else:
        form = ClipUploadForm()
    return render(request, "dashboard/upload.html", {"form": form}, status=status_code)


@moderator_required
def clip_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    clip = get_object_or_404(
        Clip.objects.select_related("claimed_by", "submitted_by").prefetch_related("persons"),
        public_id=public_id,
    )
    context = {
        "clip": clip,
        "reports": clip.reports.select_related("reporter"),
        "runs": clip.runs.select_related("model").prefetch_related("crops"),
        "decisions": clip.decisions.select_related("moderator").prefetch_related("labels"),
        "events": clip.audit_events.select_related("actor").order_by("-created_at")[:100],
    }
    return render(request, "dashboard/clip_detail.html", context)
