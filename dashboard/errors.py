"""The one error type a service raises when it refuses: a stable code, a sentence, an HTTP status.

The API's exception handler (`dashboard.api.errors`) and the desk's `refuse` helper translate it
once, so views never map error classes by hand. Subclasses name the area (claims, decisions,
appeals, …) but carry nothing more.
"""


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
