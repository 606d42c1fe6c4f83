"""HTTP answers that pages of every app share."""

from django.http import HttpResponse

from dashboard.models import Clip


def media_erased_response(clip: Clip) -> HttpResponse:
    """410 Gone with the sentence the desk shows: the media was erased on purpose, and when."""
    response = HttpResponse(clip.erasure_notice, status=410, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
