"""What every desk template may read without its view passing it."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.presets import policy_names


def presets(request: HttpRequest) -> dict[str, Any]:
    """`policy_names`: a removal reason's name in the reader's language (the `policy_in`
    filter); read from the database only by a page that shows a reason."""
    return {"policy_names": SimpleLazyObject(policy_names)}
