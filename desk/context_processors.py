"""What every desk template may read without its view passing it."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.presets import platform_table, policy_names


def presets(request: HttpRequest) -> dict[str, Any]:
    """`policy_names`: a removal reason's name in the reader's language (the `policy_in`
    filter); `platforms`: the platform presets (the `platform_in` filter). Each is read from
    the database once, and only by a page that shows one."""
    return {
        "policy_names": SimpleLazyObject(policy_names),
        "platforms": SimpleLazyObject(platform_table),
    }
