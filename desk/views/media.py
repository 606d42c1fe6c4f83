"""Media behind the desk's permission check: clip video and its review rendition (with Range
support), the rendition's poster and contact sheet, and face crops.

Both answer only clips the visibility rule (dashboard.access) lets the moderator read.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dashboard.access import can_read_clip, moderator_required, readable_clip_or_403
from dashboard.constants import ClipKind
from dashboard.http import clip_media_response, rendition_media_response, rendition_still_response
from dashboard.models import Clip, ReviewRendition
from dashboard.roles import is_senior
from desk.media import crop_response
from detection.models import FaceCrop

# What the media view reads of a clip, the rule's fields included.
MEDIA_FIELDS = (
    "public_id",
    "kind",
    "file",
    "sha256",
    "media_erased_at",
    "media_erased_under",
    "status",
    "submitted_by",
)


@require_GET
@moderator_required
def clip_media(request: HttpRequest, public_id: str) -> HttpResponse:
    """The clip's bytes; 410 with the erasure notice once retention or an erasure took them.

    A photo's original keeps its metadata (its GPS position among it): it is evidence, for
    senior moderators only; the review page shows its copy without metadata.
    """
    clip = readable_clip_or_403(request.user, public_id, Clip.objects.only(*MEDIA_FIELDS))
    if clip.kind == ClipKind.PHOTO and not is_senior(request.user):
        raise PermissionDenied(
            _("The original photo, with its metadata, is for senior moderators only.")
        )
    return clip_media_response(clip, request.headers.get("Range"), request.headers.get("If-Range"))


def _rendition_or_404(request: HttpRequest, public_id: str) -> tuple[Clip, ReviewRendition]:
    """The clip (under the visibility rule, like the original) and its review rendition."""
    clip = readable_clip_or_403(request.user, public_id, Clip.objects.only(*MEDIA_FIELDS))
    return clip, get_object_or_404(ReviewRendition, clip=clip)


@require_GET
@moderator_required
def review_media(request: HttpRequest, public_id: str) -> HttpResponse:
    """The H.264 review rendition the player plays (the original stays the evidence)."""
    clip, rendition = _rendition_or_404(request, public_id)
    return rendition_media_response(
        clip, rendition, request.headers.get("Range"), request.headers.get("If-Range")
    )


@require_GET
@moderator_required
def poster(request: HttpRequest, public_id: str) -> HttpResponse:
    clip, rendition = _rendition_or_404(request, public_id)
    return rendition_still_response(clip, rendition.poster, f"clip-{clip.short_id}-poster")


@require_GET
@moderator_required
def contact_sheet(request: HttpRequest, public_id: str) -> HttpResponse:
    clip, rendition = _rendition_or_404(request, public_id)
    return rendition_still_response(clip, rendition.contact_sheet, f"clip-{clip.short_id}-sheet")


@require_GET
@moderator_required
def face_crop(request: HttpRequest, crop_id: int) -> HttpResponse:
    crop = get_object_or_404(
        FaceCrop.objects.select_related("run__clip").only(
            "jpeg", "run__clip__status", "run__clip__submitted_by"
        ),
        pk=crop_id,
    )
    if not can_read_clip(request.user, crop.run.clip):
        raise PermissionDenied(_("You may not read this clip."))
    return crop_response(crop)
