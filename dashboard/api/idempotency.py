"""`Idempotency-Key` on the API's POSTs: the view side of dashboard/idempotency.py.

`IdempotentPostMixin` reserves the key after authentication, permissions and throttling, replays
a stored answer byte for byte (with `Idempotent-Replayed: true`) without running the handler, and
stores the handler's successful answer once it is rendered. The request's fingerprint covers the
method, path, query and body; uploaded files count by their sha256, so a retry of the same upload
matches whatever multipart boundary the client picks.
"""

import hashlib
import json
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse, QueryDict
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard import idempotency
from dashboard.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"


class _Replay(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, record: IdempotencyKey) -> None:
        self.record = record
        super().__init__("replay")


def _file_digest(upload: UploadedFile) -> str:
    digest = getattr(upload, "sha256", "")
    if digest:
        return digest
    hasher = hashlib.sha256()
    for chunk in upload.chunks():
        hasher.update(chunk)
    upload.seek(0)
    return hasher.hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return {"file_sha256": _file_digest(value)}
    if isinstance(value, QueryDict):
        return {key: [_canonical(v) for v in value.getlist(key)] for key in sorted(value)}
    if isinstance(value, dict):
        return {str(key): _canonical(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def request_fingerprint(request: Request) -> str:
    canonical = {
        "method": request.method,
        "path": request.path,
        "query": _canonical(request.query_params),
        "body": _canonical(request.data),
    }
    text = json.dumps(canonical, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class IdempotentPostMixin:
    """Mix into an APIView or ViewSet before the DRF base class."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self._idempotency_record: IdempotencyKey | None = None
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return
        reservation = idempotency.reserve(
            request.user, key, method=request.method, path=request.path
        )
        if reservation.replay:
            idempotency.check_replay(
                reservation.record,
                method=request.method,
                path=request.path,
                fingerprint=request_fingerprint(request),
            )
        if reservation.replay:
            raise _Replay(reservation.record)
        self._idempotency_record = reservation.record

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, _Replay):
            record = exc.record
            response = HttpResponse(
                record.response_body,
                status=record.status_code,
                content_type=record.content_type or "application/json",
            )
            response[REPLAY_HEADER] = "true"
            return response
        try:
            return super().handle_exception(exc)
        except Exception:
            self._release_reservation()
            raise

    def finalize_response(
        self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "_idempotency_record", None)
        if record is None:
            return response
        self._idempotency_record = None
        if not 200 <= response.status_code < 300:
            idempotency.release(record)
            return response
        if isinstance(response, Response):
            response.render()
        idempotency.complete(
            record,
            fingerprint=request_fingerprint(request),
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content.decode("utf-8"),
        )
        return response

    def _release_reservation(self) -> None:
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            self._idempotency_record = None
            idempotency.release(record)
