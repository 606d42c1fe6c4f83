"""App configuration of the operations module: connects the Celery signal handlers."""

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "config.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from config.ops import logs, metrics

        metrics.connect_task_signals()
        logs.connect_task_signals()
