"""API shapes of provenance evidence, embedded in the clip detail (dashboard/api)."""

from rest_framework import serializers

from dashboard.constants import DecisionAction
from provenance.models import BankMatch, ClipCredentials


class BankMatchSerializer(serializers.ModelSerializer):
    """A live match: the known fake or authentic reference a clip matches."""

    entry = serializers.IntegerField(source="entry_id", read_only=True)
    kind = serializers.CharField(source="entry.bank.kind", read_only=True)
    bank = serializers.CharField(source="entry.bank.name", read_only=True)
    decision = serializers.CharField(source="entry.decision_action", read_only=True)
    labels = serializers.ListField(
        source="entry.labels", child=serializers.CharField(), read_only=True
    )
    banked_at = serializers.DateTimeField(source="entry.created_at", read_only=True)
    reference_title = serializers.CharField(source="entry.title", read_only=True)
    reference_person = serializers.CharField(
        source="entry.person.name", read_only=True, allow_null=True, default=None
    )
    # What share of the clip really paired: `bank_share` of a photo reference is always 1.0.
    clip_sampled_frames = serializers.IntegerField(read_only=True)
    clip_share = serializers.FloatField(read_only=True)

    class Meta:
        model = BankMatch
        fields = [
            "entry",
            "kind",
            "bank",
            "decision",
            "labels",
            "banked_at",
            "reference_title",
            "reference_person",
            "query_share",
            "bank_share",
            "best_distance",
            "matched_frames",
            "clip_sampled_frames",
            "clip_share",
            "matched_at",
        ]
        read_only_fields = fields


class ClipCredentialsSerializer(serializers.ModelSerializer):
    """What the clip's C2PA manifest declares, and whether it holds."""

    suggested_action = serializers.SerializerMethodField()

    class Meta:
        model = ClipCredentials
        fields = [
            "state",
            "signer",
            "signer_org",
            "signed_at",
            "claim_generator",
            "source_type",
            "ai_generated",
            "failures",
            "suggested_action",
        ]
        read_only_fields = fields

    def get_suggested_action(self, credentials: ClipCredentials) -> str | None:
        return DecisionAction.LABEL.value if credentials.suggests_label else None
