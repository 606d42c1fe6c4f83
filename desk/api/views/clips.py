"""Clips: submit, list, read; report again; claim, release, take the next one; decide.

Each action parses its input, calls one service (ingest, claims, decisions) and renders the
answer; the rules (who may decide what, claims and leases, versions) live in those services.
"""

import dataclasses
from typing import Any

from django.conf import settings
from django.db.models import Count, F, FloatField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import BaseThrottle

from dashboard.access import visible_clips
from dashboard.api.base import UnmaskViewSet
from dashboard.api.errors import ApiError
from dashboard.api.pagination import ClipCursorPagination
from dashboard.api.permissions import (
    CanReadClip,
    CanReportClip,
    CanSubmitClips,
    IsModerator,
    IsSenior,
)
from dashboard.api.throttling import UploadQuotaThrottle
from dashboard.claims import claim_clip, claim_next_clip, release_claim
from dashboard.decisions import apply_decision
from dashboard.memo import read_once
from dashboard.models import Clip, Decision, Report
from dashboard.roles import is_moderator
from desk.api.filters import ClipFilter, ClipOrdering
from desk.api.serializers import (
    ClaimResultSerializer,
    ClaimSerializer,
    ClipDetailSerializer,
    ClipListSerializer,
    ClipSerializer,
    ClipSubmissionSerializer,
    DecisionRequestSerializer,
    DecisionSerializer,
    DuplicateReceiptSerializer,
    NextClipRequestSerializer,
    QueueAssignmentSerializer,
    QueueMoveRequestSerializer,
    ReportRequestSerializer,
    ReportSerializer,
)
from desk.ingest import MediaRejected, ingest_upload, report_existing
from desk.media import unwatched_evidence_or_refuse
from routing.services import move_clip
from teamwork.api.serializers import PendingDecisionSerializer
from teamwork.models import PendingDecision

REJECTION_STATUS = {
    "too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "unsupported_media": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}
# Below any real score, so unscored clips sort last (descending) and the cursor never meets NULL.
UNSCORED_RANK = -1.0


def too_large_error() -> ApiError:
    return ApiError(
        "too_large",
        _("The file is larger than the upload limit."),
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


def _report_totals() -> Subquery:
    return Subquery(
        Report.objects.filter(clip=OuterRef("pk"))
        .order_by()
        .values("clip")
        .annotate(total=Count("pk"))
        .values("total")
    )


@extend_schema_view(
    list=extend_schema(summary="List clips (moderators)", responses=ClipListSerializer(many=True)),
    retrieve=extend_schema(
        summary="A clip with its latest detection and decision history",
        description=(
            "Moderators get the full record; a reporter only the clips it submitted, without "
            "the desk's reports and decisions."
        ),
        responses={200: ClipDetailSerializer},
    ),
)
class ClipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, UnmaskViewSet):
    lookup_field = "public_id"
    lookup_value_converter = "uuid"
    parser_classes = [JSONParser, MultiPartParser]
    filter_backends = [DjangoFilterBackend, ClipOrdering]
    filterset_class = ClipFilter
    pagination_class = ClipCursorPagination
    ordering = ["-created_at"]

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "create":
            return [CanSubmitClips()]
        if self.action == "reports":
            return [CanReportClip()]
        if self.action == "retrieve":
            return [CanReadClip()]
        if self.action == "move_queue":
            return [IsSenior()]
        return [IsModerator()]

    def get_throttles(self) -> list[BaseThrottle]:
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(UploadQuotaThrottle())
        return throttles

    def get_queryset(self) -> QuerySet[Clip]:
        queryset = Clip.objects.all()
        if self.action == "list":
            # Only the clips the visibility rule lets the caller read (dashboard.access).
            return (
                visible_clips(self.request.user, queryset)
                .select_related("claimed_by", "queue", "account")
                .prefetch_related("persons")
                .annotate(
                    report_total=Coalesce(_report_totals(), 0),
                    score_rank=Coalesce(
                        F("score"), Value(UNSCORED_RANK), output_field=FloatField()
                    ),
                )
            )
        if self.action == "retrieve":
            return queryset.select_related("claimed_by", "queue", "account").prefetch_related(
                "persons",
                Prefetch("reports", queryset=Report.objects.order_by("created_at")),
                Prefetch(
                    "decisions",
                    queryset=Decision.objects.select_related("moderator", "clip")
                    .prefetch_related("labels")
                    .order_by("created_at"),
                ),
            )
        return queryset

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "list":
            return ClipListSerializer
        if self.action == "create":
            return ClipSubmissionSerializer
        return ClipDetailSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        clip = self.get_object()
        serializer = ClipDetailSerializer if is_moderator(request.user) else ClipSerializer
        with read_once():  # the detection, signals and matches fields share their reads
            return Response(serializer(clip).data)

    @extend_schema(
        summary="Submit a flagged clip (a video or a photo)",
        description=(
            "The `file` is a video (MP4, MOV, WebM, MKV, AVI, MPEG-TS, FLV) or a photo (JPEG, "
            "PNG, WebP, GIF, HEIC; animated GIF and WebP too), told apart by its content; the "
            "answer's `kind` says which. A photo over the pixel limit, a decompression bomb "
            "among them, is refused as 400 `image_too_large`; an animation over the frame "
            "limit as `too_many_frames`. 201 with the new clip. When the same bytes were "
            "submitted before, a report is "
            "added to the existing clip and the answer is 200: the clip, to a caller who may "
            "read it (its submitter, a moderator); otherwise only a receipt, "
            '`{"report": id, "status": "already_known"}`, and nothing of the clip. A '
            "reporter's reach and persons stated on another integration's clip wait for a "
            "moderator's review before they count."
        ),
        request={"multipart/form-data": ClipSubmissionSerializer},
        responses={
            201: ClipSerializer,
            200: PolymorphicProxySerializer(
                component_name="KnownClipOrReceipt",
                serializers=[ClipSerializer, DuplicateReceiptSerializer],
                resource_type_field_name=None,
            ),
        },
    )
    def create(self, request: Request) -> Response:
        if not request.content_type.startswith("multipart/form-data"):
            raise exceptions.UnsupportedMediaType(request.content_type)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        # Refuse a body declared far over the limit before reading any of it.
        if declared.isdigit() and int(declared) > settings.UNMASK_UPLOAD_MAX_BYTES + 1024 * 1024:
            raise too_large_error()
        data = request.data  # parsing streams the upload to disk through HashingUploadHandler
        if getattr(request._request, "unmask_upload_too_large", False):
            raise too_large_error()
        serializer = ClipSubmissionSerializer(data=data)
        if not serializer.is_valid():
            if "file" in serializer.errors and "file" not in request.FILES:
                raise ApiError("missing_file", _("Send the clip as the multipart field 'file'."))
            serializer.is_valid(raise_exception=True)
        try:
            result = ingest_upload(
                serializer.validated_data["file"], serializer.to_submission(), request.user
            )
        except MediaRejected as exc:
            raise ApiError(
                exc.code, exc.message, REJECTION_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
            ) from exc
        if not result.readable:
            receipt = {"report": result.report.pk, "status": "already_known"}
            return Response(DuplicateReceiptSerializer(receipt).data, status=status.HTTP_200_OK)
        body = ClipSerializer(result.clip).data
        body["created"] = result.created
        return Response(
            body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )

    @extend_schema(
        summary="Report an existing clip again",
        description=(
            "For clips the caller may read: a reporter reports the clips it submitted (another "
            "integration's clip is refused with 403 permission_denied; upload its bytes "
            "instead), a moderator every clip it may read. A moderator's or the submitter's "
            "stated reach and persons apply to the clip at once."
        ),
        request=ReportRequestSerializer,
        responses={201: ReportSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def reports(self, request: Request, public_id: str) -> Response:
        clip = self.get_object()
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = report_existing(clip, serializer.to_submission(), request.user)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Decide a clip you hold",
        description=(
            "The desk's rules: claim the clip first; escalated clips are decided by seniors; "
            "labels are required for `label`, a reason for `remove` and `escalate`; a `version` "
            "other than the clip's current one is refused with 409 stale_version; while nothing "
            "viewable exists (rendition pending or failed) `without_watching: true` is required "
            "(409 decide_without_watching) and recorded on the decision."
        ),
        request=DecisionRequestSerializer,
        responses={201: DecisionSerializer, 202: PendingDecisionSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def decision(self, request: Request, public_id: str) -> Response:
        clip = self.get_object()
        serializer = DecisionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # As on the review page: no viewable media needs the explicit without_watching.
        seen = unwatched_evidence_or_refuse(clip, serializer.validated_data["without_watching"])
        decision_request = dataclasses.replace(serializer.to_request(), seen=seen)
        decision = apply_decision(clip.pk, request.user, decision_request)
        if isinstance(decision, PendingDecision):  # held by the two-person rule
            return Response(
                PendingDecisionSerializer(decision).data, status=status.HTTP_202_ACCEPTED
            )
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Claim (or renew the claim on) a clip",
        request=None,
        responses={200: ClaimResultSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def claim(self, request: Request, public_id: str) -> Response:
        clip = self.get_object()
        result = claim_clip(clip.pk, request.user)
        return Response({**ClaimSerializer(result.clip).data, "action": result.action})

    @extend_schema(
        summary="Give a clip you hold back to its queue",
        request=None,
        responses={200: ClaimSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def release(self, request: Request, public_id: str) -> Response:
        clip = self.get_object()
        released = release_claim(clip.pk, request.user)
        return Response(ClaimSerializer(released).data)

    @extend_schema(
        summary="Claim the highest-priority clip nobody holds",
        request=NextClipRequestSerializer,
        responses={
            200: ClipDetailSerializer,
            204: OpenApiResponse(description="The queue is empty."),
        },
    )
    @action(detail=False, methods=["post"], url_path="next", parser_classes=[JSONParser])
    def next_clip(self, request: Request) -> Response:
        serializer = NextClipRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The service refuses the escalations queue to a non-senior (senior_only, 403).
        # ...and a queue the caller does not work (not_a_member, 403; unknown_queue, 400).
        clip = claim_next_clip(
            request.user,
            escalated=serializer.validated_data["escalated"],
            queue=serializer.validated_data["queue"],
        )
        if clip is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        clip = self.get_queryset().get(pk=clip.pk)
        return Response(ClipDetailSerializer(clip).data)

    @extend_schema(
        summary="Move a clip to another queue (senior moderators)",
        description=(
            "Audited as `queue.moved`; routing then leaves the clip in that queue. Seniors "
            "only (403 permission_denied else); an unknown queue is 400 unknown_queue."
        ),
        request=QueueMoveRequestSerializer,
        responses={200: QueueAssignmentSerializer},
    )
    @action(detail=True, methods=["post"], url_path="queue", parser_classes=[JSONParser])
    def move_queue(self, request: Request, public_id: str) -> Response:
        clip = self.get_object()
        serializer = QueueMoveRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = move_clip(
            clip.pk,
            serializer.validated_data["queue"],
            request.user,
            note=serializer.validated_data["note"],
        )
        return Response(QueueAssignmentSerializer(moved).data)
