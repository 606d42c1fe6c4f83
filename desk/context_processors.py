"""What every desk page's layout (templates/base.html) needs to know about the viewer: their
wellness preferences, so blur holds on every page that shows media, not only on the pages whose
views remembered to ask."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from desk.media import wellness_for_request


def wellness(request: HttpRequest) -> dict[str, Any]:
    """`wellness` (read lazily, from the session after the first page: desk.media) and
    `blur_media` for templates that ask only that."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    lazy: Any = SimpleLazyObject(lambda: wellness_for_request(request))
    return {"wellness": lazy, "blur_media": SimpleLazyObject(lambda: lazy.blur_media)}
