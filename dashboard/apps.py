from django.apps import AppConfig

# Registers the owner-only data checks (var/, SQLite, media, generated keys); imports no model.
from dashboard import checks  # noqa: F401


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Review desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the token scheme with drf-spectacular's schema generator.
        from dashboard.api import openapi  # noqa: F401
        from dashboard.priority import register_core_contributions

        register_core_contributions()

        from dashboard.holdings import register as register_media

        register_media()
