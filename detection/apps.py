from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "detection"
    verbose_name = "Detection"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from detection import priority

        priority.register()

        # The face-manipulation model's signal (dashboard.hooks.signal_providers).
        from detection import signals

        signals.register()
        signals.register_providers()

        # Remote detection providers: a call per enabled provider once a clip is scored.
        from dashboard.constants import ClipEvent
        from dashboard.hooks import ClipEventListener, clip_event_listeners
        from detection.tasks import open_provider_calls_on_commit

        clip_event_listeners.register(
            "detection_providers",
            ClipEventListener(
                "detection_providers",
                lambda _event, clip, _payload: open_provider_calls_on_commit(clip),
                frozenset({ClipEvent.CLIP_SCORED.value}),
            ),
        )

        # What it stores for a clip, for retention and erasure (dashboard.hooks).
        from detection.holdings import register

        register()
