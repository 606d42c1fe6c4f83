"""How the API describes itself in OpenAPI: every operation lists the errors it can answer.

All errors share one body, `{"error": {"code", "message", "fields"?}}` (see errors.py); this
schema class adds those responses, and the `Idempotency-Key` header on POSTs, to each operation
so clients and contract tests know every status the API may return.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: e.g. not_held, too_large.")
    message = serializers.CharField(help_text="For a person.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages, only for code 'invalid'.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    400: "Invalid request (see error.code and error.fields).",
    401: "Missing or invalid credentials.",
    403: "The caller's role may not do this.",
    404: "No such resource.",
    409: "Conflicts with the clip's current state (claims, versions, decided clips).",
    413: "The upload is larger than the limit.",
    415: "Unsupported media type (of the request or of the uploaded file).",
    422: "The Idempotency-Key was already used for a different request.",
    429: "Throttled; see the Retry-After header.",
}

IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Retrying a POST with the same key returns the first successful answer and changes "
        "nothing; the same key with another request is refused with 422."
    ),
)


class UnmaskAutoSchema(AutoSchema):
    def _error_statuses(self) -> list[int]:
        statuses = [400, 401, 403, 429]
        if "{" in self.path:
            statuses.append(404)
        if self.method == "POST":
            statuses += [409, 422]
        if any(issubclass(p, MultiPartParser) for p in self._parser_classes()):
            if self.method in ("POST", "PUT", "PATCH"):
                statuses += [413, 415]
        elif self.method in ("POST", "PUT", "PATCH"):
            statuses.append(415)
        return sorted(set(statuses))

    def _parser_classes(self) -> list[type]:
        return [type(p) if not isinstance(p, type) else p for p in self.view.get_parsers()]

    def get_tags(self) -> list[str]:
        # /api/v1/<resource>/...: one tag per resource.
        parts = [p for p in self.path.split("/") if p]
        return [parts[2]] if len(parts) > 2 else super().get_tags()

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if str(status) not in responses:
                response = self._get_response_for_code(
                    ErrorSerializer, str(status), direction=direction
                )
                response["description"] = ERROR_DESCRIPTIONS[status]
                responses[str(status)] = response
        return responses
