"""App configuration of provenance; registers its evidence and banking with the core."""

from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "provenance"
    verbose_name = "Provenance: hash banks"

    def ready(self) -> None:
        # A known-fake match and Content Credentials declaring AI are signals; they weigh in
        # the queue's priority through the suspicion level (dashboard.priority).
        from provenance import signals

        signals.register()
        # A match to a removed known fake puts the clip in the high band (provenance.priority).
        from provenance import priority

        priority.register()
        from dashboard.constants import ClipEvent
        from dashboard.hooks import ClipEventListener, clip_event_listeners
        from provenance.tasks import match_clip_on_commit

        # A scored clip is matched against the banks once the scoring commits.
        clip_event_listeners.register(
            "bank_matching",
            ClipEventListener(
                "bank_matching",
                lambda event, clip, data: match_clip_on_commit(
                    clip if isinstance(clip, int) else clip.pk
                ),
                events=frozenset({ClipEvent.CLIP_SCORED}),
            ),
        )

        # Every entry added or removed is logged for the live indexes (provenance.live_index).
        from provenance import live_index

        live_index.connect()

        # What it stores for a clip, for retention and erasure (dashboard.hooks).
        from provenance.holdings import register

        register()

        from dashboard import hooks
        from provenance.services import (
            check_clearing_known_fake,
            decision_evidence,
            unbank_superseded,
        )
        from provenance.tasks import bank_decided_clip

        # Approving a known fake needs a reason (the two-person rule then asks a second person).
        hooks.decision_checks.register("provenance.clearing_known_fake", check_clearing_known_fake)
        hooks.decision_evidence.register("provenance.credentials", decision_evidence)
        hooks.decision_committed.register("provenance.banking", bank_decided_clip)
        # An overturned appeal takes the known-fake entry of the decision it overturned out.
        hooks.decision_recorded.register("provenance.unbank_overturned", unbank_superseded)
