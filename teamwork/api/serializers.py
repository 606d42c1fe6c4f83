"""API shapes of the team workflow: a held decision, an appeal, an evidence pack."""

from rest_framework import serializers

from teamwork.models import PendingDecision


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
