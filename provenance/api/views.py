"""API of provenance: the disclosed rendition a platform serves instead of a labelled clip.

Route (added to /api/v1/ by config/api_urls.py):
- GET /clips/{public_id}/rendition/ — the latest ready rendition as MP4 (with its SHA-256 in
  ``X-Content-SHA256``); 404 ``no_rendition`` while there is none.
"""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from dashboard.api.base import UnmaskAPIView
from dashboard.api.errors import ApiError
from dashboard.api.permissions import CanReadClip
from dashboard.http import stored_file_response
from dashboard.models import Clip
from provenance.models import DisclosedRendition, RenditionState


class ClipRenditionView(UnmaskAPIView):
    permission_classes = [CanReadClip]

    @extend_schema(
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="video/mp4")},
        operation_id="clips_rendition_retrieve",
    )
    def get(self, request: Request, public_id: str) -> FileResponse:
        clip = get_object_or_404(Clip, public_id=public_id)
        self.check_object_permissions(request, clip)
        rendition = (
            DisclosedRendition.objects.filter(clip=clip, state=RenditionState.READY)
            .order_by("-finished_at")
            .first()
        )
        if clip.media_erased_at is not None:
            raise ApiError("media_erased", clip.erasure_notice, 410)
        if rendition is None:
            raise ApiError("no_rendition", _("This clip has no disclosed rendition yet."), 404)
        response = stored_file_response(rendition.file, str(clip.public_id), inline=False)
        response["X-Content-SHA256"] = rendition.sha256
        return response
