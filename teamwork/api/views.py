"""API of the team workflow: appeals forwarded by platforms, evidence packs for moderators.

Routes (added to /api/v1/ by dashboard/api/urls.py):
- POST /clips/{public_id}/appeals/ — file an appeal against the clip's final decision (201).
- GET/POST /clips/{public_id}/evidence-packs/ — list a clip's packs with their progress; ask for
  a new one (202: it is built by a Celery task).
- GET /evidence-packs/{id}/download/ — the built ZIP.
"""

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard.api.errors import ApiError
from dashboard.api.permissions import CanSubmitClips, IsModerator
from dashboard.api.views.base import UnmaskAPIView
from dashboard.models import Clip
from dashboard.roles import is_moderator
from teamwork import appeals, packs
from teamwork.api.serializers import (
    AppealRequestSerializer,
    AppealSerializer,
    EvidencePackSerializer,
)
from teamwork.constants import PackState
from teamwork.models import EvidencePack


def _clip(request: Request, public_id: str) -> Clip:
    clip = get_object_or_404(Clip, public_id=public_id)
    # A reporter appeals only the clips it submitted (as it reads only those).
    if not is_moderator(request.user) and clip.submitted_by_id != request.user.pk:
        raise ApiError("permission_denied", "Your role cannot read this clip.", 403)
    return clip


class ClipAppealsView(UnmaskAPIView):
    permission_classes = [CanSubmitClips]
    parser_classes = [JSONParser]
    serializer_class = AppealRequestSerializer

    @extend_schema(
        summary="Forward an appeal against a clip's final decision",
        description=(
            "It goes to the Appeals queue and is reviewed by a moderator other than the ones "
            "who decided; the outcome is announced by the `clip.appeal_decided` webhook. "
            "A clip without a final decision is refused with 409 not_decided."
        ),
        request=AppealRequestSerializer,
        responses={201: AppealSerializer},
    )
    def post(self, request: Request, public_id: str) -> Response:
        clip = _clip(request, public_id)
        serializer = AppealRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            appeal = appeals.file_appeal(
                clip.pk,
                request.user,
                serializer.validated_data["statement"],
                appellant=serializer.validated_data["appellant"],
            )
        except appeals.AppealError as exc:
            raise ApiError(exc.code, exc.message, exc.status) from exc
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class ClipEvidencePacksView(UnmaskAPIView):
    permission_classes = [IsModerator]
    parser_classes = [JSONParser]
    serializer_class = EvidencePackSerializer

    def _packs(self, clip: Clip) -> QuerySet[EvidencePack]:
        return EvidencePack.objects.filter(clip=clip).select_related("clip")

    @extend_schema(
        summary="A clip's evidence packs, newest first, with their build progress",
        responses={200: EvidencePackSerializer(many=True)},
    )
    def get(self, request: Request, public_id: str) -> Response:
        clip = _clip(request, public_id)
        return Response(EvidencePackSerializer(self._packs(clip)[:50], many=True).data)

    @extend_schema(
        summary="Build an evidence pack for a decided clip",
        description=(
            "Queued for a Celery task (202); poll the list for progress. The finished ZIP's "
            "SHA-256 is on the pack and in the audit log. An undecided clip is refused with "
            "409 not_decided."
        ),
        request=None,
        responses={202: EvidencePackSerializer},
    )
    def post(self, request: Request, public_id: str) -> Response:
        clip = _clip(request, public_id)
        try:
            pack = packs.request_pack(clip.pk, request.user)
        except packs.EvidenceError as exc:
            raise ApiError(exc.code, exc.message, exc.status) from exc
        return Response(EvidencePackSerializer(pack).data, status=status.HTTP_202_ACCEPTED)


class EvidencePackDownloadView(UnmaskAPIView):
    permission_classes = [IsModerator]

    @extend_schema(
        summary="Download a built evidence pack (ZIP)",
        description="The pack's SHA-256 is in `X-Content-SHA256` (and in the audit log); "
        "404 `not_built` until the build finished.",
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="application/zip")},
    )
    def get(self, request: Request, pack_id: int) -> FileResponse:
        pack = get_object_or_404(EvidencePack.objects.select_related("clip"), pk=pack_id)
        if pack.state != PackState.DONE or not pack.file:
            raise ApiError("not_built", "This evidence pack is not built yet.", 404)
        response = FileResponse(
            pack.file.open("rb"),
            as_attachment=True,
            filename=f"evidence-{pack.clip.short_id}-{pack.pk}.zip",
            content_type="application/zip",
        )
        response["X-Content-SHA256"] = pack.sha256
        return response
