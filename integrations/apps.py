"""App configuration of the integrations app; registers its decision listener with the core."""

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dashboard.hooks import ClipEventListener, clip_event_listeners
        from integrations.events import queue_webhook_event

        # Every clip event is announced to the webhook endpoints subscribed to it.
        clip_event_listeners.register(
            "webhooks",
            ClipEventListener("webhooks", queue_webhook_event),
        )

        from dashboard import hooks
        from integrations.events import announce_decision

        hooks.decision_recorded.register("integrations.webhook_outbox", announce_decision)
