from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "provenance"
    verbose_name = "Provenance: hash banks"

    def ready(self) -> None:
        # What it stores for a clip, for retention and erasure (dashboard.hooks).
        from provenance.holdings import register

        register()
