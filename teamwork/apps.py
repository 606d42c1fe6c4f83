from django.apps import AppConfig


class TeamworkConfig(AppConfig):
    name = "teamwork"
    verbose_name = "Team workflow"
    default_auto_field = "django.db.models.BigAutoField"
