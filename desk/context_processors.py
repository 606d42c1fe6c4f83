"""What every desk template may read without its view passing it: the viewer's wellness
preferences (so blur holds on every page that shows media, not only on the pages whose views
remembered to ask), and the translated presets."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.presets import platform_table, policy_names
from desk.media import wellness_for_request


def wellness(request: HttpRequest) -> dict[str, Any]:
    """`wellness` (read lazily, from the session after the first page: desk.media) and
    `blur_media` for templates that ask only that."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    lazy: Any = SimpleLazyObject(lambda: wellness_for_request(request))
    return {"wellness": lazy, "blur_media": SimpleLazyObject(lambda: lazy.blur_media)}


def presets(request: HttpRequest) -> dict[str, Any]:
    """`policy_names`: a removal reason's name in the reader's language (the `policy_in`
    filter); `platforms`: the platform presets (the `platform_in` filter). Each is read from
    the database once, and only by a page that shows one."""
    return {
        "policy_names": SimpleLazyObject(policy_names),
        "platforms": SimpleLazyObject(platform_table),
    }
