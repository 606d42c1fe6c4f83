from django.apps import AppConfig


class TeamworkConfig(AppConfig):
    name = "teamwork"
    verbose_name = "Team workflow"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # What it stores for a clip, for retention and erasure (dashboard.hooks).
        from teamwork.holdings import register

        register()
