"""How the API's own authentication appears in the OpenAPI schema."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "dashboard.api.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`, made by `manage.py create_api_token USERNAME`.",
        }


class FailedAuthGuardScheme(OpenApiAuthenticationExtension):
    """The failed-authentication guard only refuses (429); it is no way to authenticate."""

    target_class = "dashboard.api.throttling.FailedAuthGuard"
    name: list[str] = []

    def get_security_requirement(self, auto_schema: Any) -> None:
        return None

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:
        return []
