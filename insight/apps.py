from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "Team insight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from insight.triggers import install_after_migrate

        # Database plumbing, not a business rule: the summary's staleness triggers exist after
        # every migrate, including one that rebuilt a desk table on SQLite (which drops them).
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="insight.triggers")
