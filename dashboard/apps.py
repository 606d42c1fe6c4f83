from django.apps import AppConfig
from django.db.models.signals import post_migrate

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

        from dashboard import counters, search

        # Database plumbing: the status counters' and the caption index's triggers exist after
        # every migrate, including one that rebuilt the clip table on SQLite (which drops them).
        post_migrate.connect(
            counters.install_after_migrate, sender=self, dispatch_uid="dashboard.counters"
        )
        post_migrate.connect(
            search.install_after_migrate, sender=self, dispatch_uid="dashboard.search"
        )

        from django.contrib.auth.signals import user_logged_in

        from dashboard.locale import remember_locale_at_login

        # The session carries the user's language and time zone from the login on.
        user_logged_in.connect(remember_locale_at_login, dispatch_uid="unmask_locale_at_login")
