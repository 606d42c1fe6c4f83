"""The team-workflow panel on the clip page: a pending confirmation, appeals, evidence packs."""

from typing import Any

from django import template

from dashboard.constants import FINAL_STATES
from dashboard.models import Clip
from teamwork.constants import PendingState
from teamwork.models import Appeal, EvidencePack, PendingDecision

register = template.Library()


@register.inclusion_tag("teamwork/_clip_panel.html", takes_context=True)
def teamwork_panel(context: dict[str, Any], clip: Clip) -> dict[str, Any]:
    return {
        "clip": clip,
        "csrf_token": context.get("csrf_token"),
        "pending": PendingDecision.objects.filter(clip=clip, state=PendingState.PENDING)
        .select_related("proposed_by")
        .first(),
        "appeals": list(Appeal.objects.filter(clip=clip).order_by("-submitted_at")[:10]),
        "packs": list(EvidencePack.objects.filter(clip=clip)[:5]),
        "decided": clip.status in FINAL_STATES,
    }
