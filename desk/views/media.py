"""Media behind the desk's permission check: clip video and its review rendition (with Range
support), the rendition's poster and contact sheet, and face crops."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from dashboard.access import moderator_required
from dashboard.http import clip_media_response, rendition_media_response, rendition_still_response
from dashboard.models import Clip, ReviewRendition
from desk.media import crop_response
from detection.models import FaceCrop


@require_GET
@moderator_required
def clip_media(request: HttpRequest, public_id: str) -> HttpResponse:
    """The clip's bytes; 410 with the erasure notice once retention or an erasure took them."""
    fields = ("file", "sha256", "media_erased_at", "media_erased_under")
    clip = get_object_or_404(Clip.objects.only(*fields), public_id=public_id)
    return clip_media_response(clip, request.headers.get("Range"), request.headers.get("If-Range"))


def _rendition_or_404(public_id: str) -> tuple[Clip, ReviewRendition]:
    fields = ("public_id", "media_erased_at", "media_erased_under")
    clip = get_object_or_404(Clip.objects.only(*fields), public_id=public_id)
    return clip, get_object_or_404(ReviewRendition, clip=clip)


@require_GET
@moderator_required
def review_media(request: HttpRequest, public_id: str) -> HttpResponse:
    """The H.264 review rendition the player plays (the original stays the evidence)."""
    clip, rendition = _rendition_or_404(public_id)
    return rendition_media_response(
        clip, rendition, request.headers.get("Range"), request.headers.get("If-Range")
    )


@require_GET
@moderator_required
def poster(request: HttpRequest, public_id: str) -> HttpResponse:
    clip, rendition = _rendition_or_404(public_id)
    return rendition_still_response(clip, rendition.poster, f"clip-{clip.short_id}-poster")


@require_GET
@moderator_required
def contact_sheet(request: HttpRequest, public_id: str) -> HttpResponse:
    clip, rendition = _rendition_or_404(public_id)
    return rendition_still_response(clip, rendition.contact_sheet, f"clip-{clip.short_id}-sheet")


@require_GET
@moderator_required
def face_crop(request: HttpRequest, crop_id: int) -> HttpResponse:
    return crop_response(get_object_or_404(FaceCrop.objects.only("jpeg"), pk=crop_id))
