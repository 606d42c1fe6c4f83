"""The routing panel on the clip page: the item's queue, and a senior's form to move it."""

from typing import Any

from django import template

from dashboard.constants import FINAL_STATES
from dashboard.models import Clip
from dashboard.queues import display_name, queues_for
from dashboard.roles import is_senior

register = template.Library()


@register.inclusion_tag("routing/_clip_panel.html", takes_context=True)
def routing_panel(context: dict[str, Any], clip: Clip) -> dict[str, Any]:
    user = context["request"].user
    queues = queues_for(user)
    current = next((q for q in queues if q.pk == clip.queue_id), None)
    general = next((q for q in queues if q.slug == "general"), None)
    shown = current or general
    can_move = is_senior(user) and clip.status not in FINAL_STATES
    return {
        "clip": clip,
        "csrf_token": context.get("csrf_token"),
        "queue_name": display_name(shown) if shown else "—",
        "routed": clip.queue_id is not None,
        "pinned": clip.queue_pinned,
        "can_move": can_move,
        "choices": [(q.slug, display_name(q)) for q in queues] if can_move else [],
        "current_slug": shown.slug if shown else "",
    }
