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

        # What it stores for a clip, for retention and erasure (dashboard.hooks).
        from detection.holdings import register

        register()
