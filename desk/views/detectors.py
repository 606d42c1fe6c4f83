"""A detector model's card as the desk shows it: what it is, and how far to trust it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from dashboard.access import moderator_required
from detection.models import DetectorModel
from detection.validation import validation_status


@require_GET
@moderator_required
def model_card(request: HttpRequest, model_id: int) -> HttpResponse:
    model = get_object_or_404(DetectorModel, pk=model_id)
    return render(
        request,
        "dashboard/model_card.html",
        {
            "model": model,
            "validation": validation_status(model.validation),
            "evaluations": (model.validation or {}).get("evaluations") or [],
        },
    )
