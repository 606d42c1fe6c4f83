from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Review desk"
    default_auto_field = "django.db.models.BigAutoField"
