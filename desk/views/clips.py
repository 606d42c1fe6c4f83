"""Adding a flagged clip from the desk (the upload form).

Bytes the desk already has add a report to that clip; the moderator is taken to it only when
the visibility rule (dashboard.access) lets them read it — otherwise (an escalated clip, for a
moderator) the form says "already known" with their report's number, and nothing of the clip.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dashboard.access import moderator_required
from desk.forms import ClipUploadForm
from desk.ingest import MediaRejected, ingest_upload


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
                if not result.readable:
                    messages.info(
                        request,
                        _(
                            "This clip was already known; your report #%(report)s was added "
                            "for the moderators who handle it."
                        )
                        % {"report": result.report.pk},
                    )
                    return render(request, "dashboard/upload.html", {"form": ClipUploadForm()})
                if result.created:
                    messages.success(request, _("Clip added; it is queued for scoring."))
                else:
                    messages.info(request, _("This clip was already known; your report was added."))
                return redirect("dashboard:clip", public_id=result.clip.public_id)
        else:
            status_code = 400
    else:
        form = ClipUploadForm()
    return render(request, "dashboard/upload.html", {"form": form}, status=status_code)
