"""Media behind the desk's permission check: clip video (with Range support) and face crops."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from dashboard.access import moderator_required
from dashboard.http import clip_media_response
from dashboard.models import Clip
from desk.media import crop_response
from detection.models import FaceCrop


@require_GET
@moderator_required
def clip_media(request: HttpRequest, public_id: str) -> HttpResponse:
    """The clip's bytes; 410 with the erasure notice once retention or an erasure took them."""
    fields = ("file", "sha256", "media_erased_at", "media_erased_under")
    clip = get_object_or_404(Clip.objects.only(*fields), public_id=public_id)
    return clip_media_response(clip, request.headers.get("Range"), request.headers.get("If-Range"))


@require_GET
@moderator_required
def face_crop(request: HttpRequest, crop_id: int) -> HttpResponse:
    return crop_response(get_object_or_404(FaceCrop.objects.only("jpeg"), pk=crop_id))
