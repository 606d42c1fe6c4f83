"""The review panel: everything a person who decides about a clip looks at — the player (or the
contact sheet), the score timeline, the signals, the known-fake and reference matches, the
reports, the decisions and the history — built once here and rendered by
`templates/dashboard/_review_panel.html` (through the `review_panel` template tag) on every page
where a person decides: the two-person confirmation, the appeal and the second opinion.

Only what the page reads: nothing here claims the clip or writes anything. A second opinion is
given *blind* (the first decision and the history are left out, so they cannot anchor it).
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch

from dashboard.media_words import describe_media
from dashboard.models import Clip, Decision, Label
from dashboard.signals import gather_signals, suspicion_level
from desk.media import review_media_for
from desk.timeline import build_chart, render_svg
from detection.models import DetectionRun
from detection.signals import abstained, no_face_sentence

HISTORY_LIMIT = 200


def review_panel_context(
    clip: Clip, user: AbstractBaseUser | AnonymousUser | None = None, *, blind: bool = False
) -> dict[str, Any]:
    """What the panel shows of `clip`; `blind` leaves out its decisions and history."""
    runs = list(
        DetectionRun.objects.filter(clip=clip)
        .with_active_flag()
        .select_related("model")
        .prefetch_related("crops")
        .order_by("-model__is_active", "is_shadow", "-finished_at")
    )
    active = next((r for r in runs if r.is_active_run), None)
    chart = build_chart(active.timeline, active.threshold, clip.duration_s) if active else None
    signals = gather_signals(clip)
    level = suspicion_level(signals)
    no_face = active is not None and abstained(active)
    context: dict[str, Any] = {
        "clip": clip,
        "blind": blind,
        "runs": runs,
        "active_run": active,
        "suspicion": level,
        "signals_fired": [s for s in signals if s.fired],
        "signals_quiet": [s for s in signals if not s.fired],
        "no_face_sentence": no_face_sentence(active) if no_face else "",
        "crops": list(active.crops.all()) if active else [],
        "chart_svg": render_svg(chart) if chart else "",
        "peak": chart.peak if chart else None,
        "reports": list(clip.reports.select_related("reporter")),
        "persons": list(clip.persons.all()),
        "media": review_media_for(clip),
        "media_words": describe_media(
            clip.codec, clip.width, clip.height, clip.duration_s, has_audio=clip.has_audio
        ),
        "decisions": [],
        "events": [],
    }
    if not blind:
        context["decisions"] = list(
            Decision.objects.filter(clip=clip)
            .select_related("moderator")
            .prefetch_related(Prefetch("labels", queryset=Label.objects.only("name", "name_ko")))
        )
        context["events"] = list(
            clip.audit_events.select_related("actor").order_by("-created_at", "-id")[:HISTORY_LIMIT]
        )
    return context
