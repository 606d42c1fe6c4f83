"""App configuration of the team workflow; registers its say in decisions with the core."""

from django.apps import AppConfig


class TeamworkConfig(AppConfig):
    name = "teamwork"
    verbose_name = "Team workflow"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # What it stores for a clip, for retention and erasure (dashboard.hooks).
        from teamwork.holdings import register

        register()

        from dashboard import hooks
        from teamwork.policy import hold_if_covered

        hooks.decision_guards.register("teamwork.two_person_rule", hold_if_covered)
