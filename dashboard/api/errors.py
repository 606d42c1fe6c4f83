"""One error shape for the whole API: {"error": {"code", "message", "fields"?}}.

DRF's exceptions and every service's refusal (`dashboard.errors.ServiceError`, with its own code
and status) go through `api_exception_handler`; Django's own 400/403/404/500 pages (a URL no
route matches, a crash) go through the handlers at the bottom, which answer JSON under /api/ and
Django's usual HTML pages everywhere else.

Messages are in the request's language (Accept-Language, through LocaleMiddleware); codes never
change with it, so integrators match on `code`.
"""

from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from dashboard.api.throttling import FailedAuthThrottle
from dashboard.errors import ServiceError

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
    422: "unprocessable",
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


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Field errors as {"field": [messages]}; nested ones under dotted paths ("subjects.2")."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            if item:
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    if request is not None and isinstance(
        exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed
    ):
        FailedAuthThrottle().record_failure(request)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = ApiError("too_large", _("The request body is larger than the limit."), 413)
    elif isinstance(exc, TooManyFieldsSent | SuspiciousOperation):
        exc = ApiError("invalid", _("The request is malformed."), 400)
    elif isinstance(exc, ServiceError):  # a service refused: its own code, sentence and status
        exc = ApiError(exc.code, exc.message, exc.status)
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "error_code", None) or _DEFAULT_CODES.get(response.status_code, "error")
    detail = getattr(exc, "detail", None)
    fields = None
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        message = _("Some fields are invalid.")
        fields = _flatten(detail)
    elif isinstance(detail, str):
        message = str(detail)
    else:
        message = str(detail) if detail else response.status_text
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None and code == "throttled":
        # FailedAuthGuard's detail names authentication (in English: it is never shown as is).
        if "authentication" in message:
            message = _("Too many failed authentication attempts; retry in %(s)d s.")
        else:
            message = _("Too many requests; retry in %(s)d s.")
        message = message % {"s": int(exc.wait) + 1}
    response.data = error_body(code, message, fields)
    return response


def json_error(request: HttpRequest, code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return json_error(request, "invalid", _("The request is malformed."), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return json_error(request, "permission_denied", _("You may not do this."), 403)
    return defaults.permission_denied(request, exception)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return json_error(request, "not_found", _("No such resource."), status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return json_error(request, "server_error", _("Something went wrong on our side."), 500)
    return defaults.server_error(request)
