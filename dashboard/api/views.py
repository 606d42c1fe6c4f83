"""API views: parse, call a service, answer. Rules live in dashboard/ingest.py and workflow.py."""

from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.api.errors import ApiError
from dashboard.api.permissions import CanReadClip, CanSubmitClips
from dashboard.api.serializers import ClipSerializer, ClipSubmissionSerializer
from dashboard.ingest import MediaRejected, ingest_upload
from dashboard.models import Clip

REJECTION_STATUS = {
    "too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "unsupported_media": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}


def too_large_error() -> ApiError:
    return ApiError(
        "too_large",
        "The file is larger than the upload limit.",
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


class ClipCreateView(APIView):
    permission_classes = [CanSubmitClips]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ClipSubmissionSerializer},
        responses={201: ClipSerializer, 200: ClipSerializer},
        summary="Submit a flagged clip",
    )
    def post(self, request: Request) -> Response:
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
                raise ApiError("missing_file", "Send the clip as the multipart field 'file'.")
            serializer.is_valid(raise_exception=True)
        try:
            result = ingest_upload(
                serializer.validated_data["file"], serializer.to_submission(), request.user
            )
        except MediaRejected as exc:
            raise ApiError(
                exc.code, exc.message, REJECTION_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
            ) from exc
        body = ClipSerializer(result.clip).data
        body["created"] = result.created
        return Response(
            body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


class ClipDetailView(APIView):
    permission_classes = [CanReadClip]

    @extend_schema(responses={200: ClipSerializer}, summary="A clip with its status and score")
    def get(self, request: Request, public_id: Any) -> Response:
        clip = get_object_or_404(Clip, public_id=public_id)
        self.check_object_permissions(request, clip)
        return Response(ClipSerializer(clip).data)
