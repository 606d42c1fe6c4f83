"""Detector model versions: moderators read them; admins upload, activate and shadow them.

An upload is validated by detection.registry (the file opens in ONNX Runtime and honours its
manifest) before anything is stored; a refused file leaves no row and no file behind.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard.api.base import UnmaskViewSet
from dashboard.api.errors import ApiError
from dashboard.api.permissions import ReadModeratorWriteAdmin
from desk.api.serializers import (
    DetectorModelSerializer,
    DetectorModelUploadSerializer,
    ShadowRequestSerializer,
)
from detection.models import DetectorModel
from detection.registry import activate_model, register_uploaded_model, set_shadow


@extend_schema_view(
    list=extend_schema(summary="Detector model versions"),
    retrieve=extend_schema(summary="One detector model version"),
)
class DetectorModelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, UnmaskViewSet):
    serializer_class = DetectorModelSerializer
    permission_classes = [ReadModeratorWriteAdmin]
    parser_classes = [JSONParser, MultiPartParser]
    pagination_class = None
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[DetectorModel]:
        return DetectorModel.objects.order_by("name", "-created_at")

    @extend_schema(
        summary="Upload a detector model version (admins)",
        description=(
            "Multipart: the ONNX `file` and the manifest fields; `input`, `output`, "
            "`calibration` and `metrics` are JSON objects sent as JSON text. The registry "
            "validates the file before saving; a refused file is a 400 `model_refused`."
        ),
        request={"multipart/form-data": DetectorModelUploadSerializer},
        responses={201: DetectorModelSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.content_type.startswith("multipart/form-data"):
            raise exceptions.UnsupportedMediaType(request.content_type)
        data = request.data  # streams the file to disk through HashingUploadHandler
        if getattr(request._request, "unmask_upload_too_large", False):
            raise ApiError("too_large", _("The file is larger than the upload limit."), 413)
        serializer = DetectorModelUploadSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        model = register_uploaded_model(
            data["file"],
            serializer.to_manifest(),
            model_card=data.get("model_card", ""),
            activate=data["activate"],
            shadow=data["shadow"],
            actor=request.user,
        )
        return Response(DetectorModelSerializer(model).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Make this version the active detector (admins)",
        request=None,
        responses={200: DetectorModelSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def activate(self, request: Request, pk: str) -> Response:
        model = activate_model(self.get_object(), actor=request.user)
        return Response(DetectorModelSerializer(model).data)

    @extend_schema(
        summary="Start or stop shadow scoring with this version (admins)",
        request=ShadowRequestSerializer,
        responses={200: DetectorModelSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def shadow(self, request: Request, pk: str) -> Response:
        model = self.get_object()
        serializer = ShadowRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        set_shadow(model, serializer.validated_data["shadow"], actor=request.user)
        return Response(DetectorModelSerializer(model).data)
