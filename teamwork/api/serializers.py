"""API shapes of the team workflow: a held decision, an appeal, an evidence pack."""

from rest_framework import serializers

from teamwork.models import Appeal, EvidencePack, PendingDecision


class PendingDecisionSerializer(serializers.ModelSerializer):
    """A decision held for a second moderator's confirmation (answered with 202)."""

    clip = serializers.UUIDField(source="clip.public_id", read_only=True)
    clip_status = serializers.CharField(source="clip.status", read_only=True)
    labels = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    proposed_by = serializers.SlugRelatedField(read_only=True, slug_field="username")

    class Meta:
        model = PendingDecision
        fields = [
            "id",
            "clip",
            "clip_status",
            "action",
            "labels",
            "reason",
            "proposed_by",
            "proposed_at",
            "state",
            "covered_by",
        ]
        read_only_fields = fields


class AppealRequestSerializer(serializers.Serializer):
    statement = serializers.CharField(max_length=10000, help_text="The appellant's statement.")
    appellant = serializers.CharField(
        max_length=200, required=False, default="", help_text="Who appeals (optional)."
    )


class AppealSerializer(serializers.ModelSerializer):
    clip = serializers.UUIDField(source="clip.public_id", read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "clip",
            "decision",
            "statement",
            "appellant",
            "source",
            "state",
            "submitted_at",
            "reviewed_at",
            "outcome_reason",
        ]
        read_only_fields = fields


class EvidencePackSerializer(serializers.ModelSerializer):
    clip = serializers.UUIDField(source="clip.public_id", read_only=True)

    class Meta:
        model = EvidencePack
        fields = [
            "id",
            "clip",
            "state",
            "progress",
            "step",
            "sha256",
            "size_bytes",
            "requested_at",
            "finished_at",
            "error",
        ]
        read_only_fields = fields
