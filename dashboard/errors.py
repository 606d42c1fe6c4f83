"""The one error type a service raises when it refuses: a stable code, a sentence, an HTTP status.

The API's exception handler (`dashboard.api.errors`) and the desk's helpers here translate it
once, so views never map error classes by hand: a page view calls `refuse(request, exc)` to
show the sentence and answers with the status it returns; a page script's endpoint answers
`refusal_json(exc)`. Subclasses name the area (claims, decisions, appeals, …) but carry
nothing more.
"""

from django.contrib import messages
from django.http import HttpRequest, JsonResponse


class ServiceError(Exception):
    """A refused request: `code` is stable for integrators, `message` is for a person."""

    default_status = 400

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        self.code = code
        self.message = message
        self.status = status if status is not None else self.default_status
        super().__init__(message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, {self.status})"


def refuse(request: HttpRequest, error: ServiceError) -> int:
    """The desk's translation: show `error`'s sentence as an error message (on this page or
    the next after a redirect) and return the HTTP status the view answers with."""
    messages.error(request, error.message)
    return error.status


def refusal_json(error: ServiceError) -> JsonResponse:
    """The desk's answer to a page script (fetch/htmx asking for JSON): code and sentence."""
    return JsonResponse({"error": error.code, "message": error.message}, status=error.status)
