"""API of provenance: the disclosed rendition a platform serves instead of a labelled clip.

Route (added to /api/v1/ by config/api_urls.py):
- GET /clips/{public_id}/rendition/ — the latest ready rendition as MP4 (with its SHA-256 in
  ``X-Content-SHA256``); 404 ``no_rendition`` while there is none.
- GET /cases/ and /cases/{id}/ — cases with their totals, and one case with its copies
  (moderators and seniors; a copy is listed only to a caller who may read it).
"""

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard.access import visible_clips
from dashboard.api.base import UnmaskAPIView, UnmaskViewSet
from dashboard.api.errors import ApiError
from dashboard.api.pagination import CaseCursorPagination
from dashboard.api.permissions import CanReadClip, IsModerator
from dashboard.http import stored_file_response
from dashboard.models import Clip
from provenance.api.serializers import CaseDetailSerializer, CaseSerializer
from provenance.cases import case_copies, cases_with_totals, open_cases
from provenance.models import Case, DisclosedRendition, RenditionState


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


@extend_schema_view(
    list=extend_schema(
        summary="Cases with an open copy, newest first (?status=all: every case)",
        parameters=[
            OpenApiParameter("status", str, enum=["open", "all"], description="Default: open.")
        ],
    ),
    retrieve=extend_schema(summary="One case, its totals and every copy you may read"),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, UnmaskViewSet):
    """Cases: copies of one fabrication (provenance.cases). Moderators and seniors only: a case
    lists other platforms' copies and uploaders, so the reporter role sees none (the strict
    rule, rather than cases holding one of its clips)."""

    permission_classes = [IsModerator]
    pagination_class = CaseCursorPagination
    lookup_field = "public_id"
    lookup_value_converter = "uuid"

    def get_queryset(self) -> QuerySet[Case]:
        if self.action == "list" and self.request.query_params.get("status", "open") == "open":
            return open_cases()
        return cases_with_totals()

    def get_serializer_class(self) -> type[CaseSerializer]:
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def retrieve(self, request: Request, public_id: str) -> Response:
        case = self.get_object()
        copies = visible_clips(request.user, case_copies(case))
        serializer = CaseDetailSerializer(case, context={"copies": copies, "request": request})
        return Response(serializer.data)
