"""API of the team workflow: appeals forwarded by platforms, evidence packs for moderators.

Routes (added to /api/v1/ by config/api_urls.py):
- POST /clips/{public_id}/appeals/ — file an appeal against the clip's final decision (201).
- GET /appeals/, GET /appeals/{id}/ — appeals (moderators: all; a reporter: those it filed).
- POST /appeals/{id}/review/ — a moderator other than the original deciders closes an appeal as
  upheld or overturned, with a reason (teamwork.appeals.decide_appeal, as the desk does).
- GET/POST /clips/{public_id}/evidence-packs/ — list a clip's packs with their progress; ask for
  a new one (202: it is built by a Celery task).
- GET /evidence-packs/{id}/download/ — the built ZIP.
"""

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from dashboard.access import can_read_clip
from dashboard.api.base import UnmaskAPIView, UnmaskViewSet
from dashboard.api.errors import ApiError
from dashboard.api.pagination import AppealCursorPagination
from dashboard.api.permissions import CanSubmitClips, IsModerator
from dashboard.http import stored_file_response
from dashboard.models import Clip
from dashboard.roles import is_moderator
from teamwork import appeals, packs
from teamwork.api.filters import AppealFilter
from teamwork.api.permissions import CanReadAppeal
from teamwork.api.serializers import (
    AppealDetailSerializer,
    AppealRequestSerializer,
    AppealReviewRequestSerializer,
    AppealSerializer,
    EvidencePackSerializer,
)
from teamwork.constants import PackState
from teamwork.models import Appeal, EvidencePack


def _clip(request: Request, public_id: str) -> Clip:
    clip = get_object_or_404(Clip, public_id=public_id)
    # The visibility rule (dashboard.access): a reporter appeals only the clips it submitted.
    if not can_read_clip(request.user, clip):
        raise ApiError("permission_denied", _("Your role cannot read this clip."), 403)
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
        appeal = appeals.file_appeal(
            clip.pk,
            request.user,
            serializer.validated_data["statement"],
            appellant=serializer.validated_data["appellant"],
        )
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Appeals, oldest first (the Appeals queue's order with ?state=open)",
        description=(
            "Moderators list every appeal; a reporter only the appeals it filed, without "
            "`reviewed_by` and `may_review`."
        ),
        responses=AppealDetailSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="One appeal with its outcome",
        description="A reporter reads only the appeals it filed (the fields of the list).",
        responses={200: AppealDetailSerializer},
    ),
)
class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, UnmaskViewSet):
    parser_classes = [JSONParser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AppealFilter
    pagination_class = AppealCursorPagination
    lookup_value_converter = "int"

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "review":
            return [IsModerator()]
        return [CanReadAppeal()]

    def _schema_only(self) -> bool:
        # drf-spectacular builds the schema with an anonymous request: describe moderators' view.
        return getattr(self, "swagger_fake_view", False)

    def get_queryset(self) -> QuerySet[Appeal]:
        queryset = Appeal.objects.select_related("clip", "decision", "reviewed_by")
        if self._schema_only():
            return queryset
        if self.action == "list" and not is_moderator(self.request.user):
            queryset = queryset.filter(submitted_by=self.request.user)
        return queryset

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self._schema_only() or is_moderator(self.request.user):
            return AppealDetailSerializer
        return AppealSerializer

    @extend_schema(
        summary="Review an appeal: uphold or overturn the decision, with a reason",
        description=(
            "The desk's rules: a moderator who took part in the appealed decision (its "
            "moderator, or the proposer it confirmed) is refused with 403 original_decider; "
            "an appeal already reviewed with 409 already_reviewed; a blank reason with 400 "
            "reason_required. The outcome is audited and sent as the `clip.appeal_decided` "
            "webhook. Overturned, the new outcome (by default the clip restored: approved) is "
            "recorded as a decision superseding the appealed one and sent as `clip.decided` "
            "with `previous_decision`; upheld, nothing else changes."
        ),
        request=AppealReviewRequestSerializer,
        responses={200: AppealDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: int) -> Response:
        appeal = self.get_object()
        serializer = AppealReviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appeals.decide_appeal(
            appeal.pk,
            request.user,
            serializer.validated_data["outcome"],
            serializer.validated_data["reason"],
            appeals.NewOutcome(
                action=serializer.validated_data["new_action"],
                labels=tuple(serializer.validated_data["labels"]),
                policy_reason=serializer.validated_data["policy_reason"],
            ),
        )
        reviewed = self.get_queryset().get(pk=appeal.pk)
        return Response(AppealDetailSerializer(reviewed, context={"request": request}).data)


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
        pack = packs.request_pack(clip.pk, request.user)
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
        if pack.clip.media_erased_at is not None:
            raise ApiError("media_erased", pack.clip.erasure_notice, 410)
        if pack.state != PackState.DONE or not pack.file:
            raise ApiError("not_built", _("This evidence pack is not built yet."), 404)
        response = stored_file_response(
            pack.file, f"evidence-{pack.clip.short_id}-{pack.pk}", inline=False
        )
        response["X-Content-SHA256"] = pack.sha256
        return response
