"""One error shape for the whole API: {"error": {"code", "message", "fields"?}}."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

_DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


class ApiError(exceptions.APIException):
    """An error with an explicit code and status, raised by API views."""

    def __init__(self, code: str, message: str, status_code: int = 400) -> None:
        self.status_code = status_code
        self.error_code = code
        super().__init__(detail=message, code=code)


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    return [str(detail)]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "error_code", None) or _DEFAULT_CODES.get(response.status_code, "error")
    detail = getattr(exc, "detail", None)
    fields = None
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        message = "Some fields are invalid."
        fields = (
            _flatten(detail) if isinstance(detail, dict) else {"non_field_errors": _flatten(detail)}
        )
    elif isinstance(detail, str):
        message = str(detail)
    else:
        message = str(detail) if detail else response.status_text
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        message = f"Too many requests; retry in {int(exc.wait) + 1} s."
    response.data = error_body(code, message, fields)
    return response


def json_error(request: HttpRequest, code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, "not_found", "No such resource.", status.HTTP_404_NOT_FOUND)


def server_error(request: HttpRequest) -> JsonResponse:
    return json_error(request, "server_error", "Something went wrong on our side.", 500)
