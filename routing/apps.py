"""App configuration of routing: it listens for the moments an item's facts change."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routed queues"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dashboard.constants import ClipEvent
        from dashboard.hooks import (
            ClipEventListener,
            clip_event_listeners,
            clip_facts_changed,
            routing_conditions,
        )
        from routing.cases import CASE_REACH, CASE_REACH_CONDITION, route_with_case
        from routing.services import route_clip

        # Routed when scored (the detector's score and signals are in)...
        clip_event_listeners.register(
            "routing",
            ClipEventListener(
                "routing",
                lambda event, clip, data: route_clip(clip if isinstance(clip, int) else clip.pk),
                events=frozenset({ClipEvent.CLIP_SCORED}),
            ),
        )
        # ...and again whenever a fact it routes on changes: a report raising the reach, a
        # person tagged, a bank match arriving or marked wrong, a copy joining or leaving its
        # case (dashboard.priority); the case's other copies too, as its reach is theirs.
        clip_facts_changed.register("routing", route_with_case)
        # Rules may weigh the reach of the case an item is a copy in (provenance.cases).
        routing_conditions.register(CASE_REACH, CASE_REACH_CONDITION)
