"""App configuration of provenance; registers its evidence and banking with the core."""

from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "provenance"
    verbose_name = "Provenance: hash banks"

    def ready(self) -> None:
        from dashboard import hooks
        from provenance.services import decision_evidence
        from provenance.tasks import bank_decided_clip

        hooks.decision_evidence.register("provenance.credentials", decision_evidence)
        hooks.decision_committed.register("provenance.banking", bank_decided_clip)
