"""API shapes of the team workflow: a held decision, an appeal and its review, an evidence pack."""

from rest_framework import serializers

from teamwork import appeals
from teamwork.constants import APPEAL_OUTCOMES, AppealState
from teamwork.models import Appeal, EvidencePack, PendingDecision


class PendingDecisionSerializer(serializers.ModelSerializer):
    """A decision held for a second moderator's confirmation (answered with 202)."""

    clip = serializers.UUIDField(source="clip.public_id", read_only=True)
    clip_status = serializers.CharField(source="clip.status", read_only=True)
    labels = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    # Null when the system proposed it (a bank's auto-apply); `proposer_label` then names it.
    proposed_by = serializers.SlugRelatedField(
        read_only=True, slug_field="username", allow_null=True
    )

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
            "proposer_label",
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
            "new_decision",
        ]
        read_only_fields = fields
        extra_kwargs = {  # noqa: RUF012 - DRF reads it as a class attribute
            "new_decision": {
                "help_text": "The decision an overturned appeal put in place of `decision`."
            }
        }


class AppealDetailSerializer(AppealSerializer):
    """An appeal as moderators see it: who reviewed it, and whether the caller may review it."""

    reviewed_by = serializers.SlugRelatedField(
        read_only=True, allow_null=True, slug_field="username"
    )
    may_review = serializers.SerializerMethodField(
        help_text="Whether the caller may review it: open, and not one of the original deciders."
    )

    class Meta(AppealSerializer.Meta):
        fields = [*AppealSerializer.Meta.fields, "reviewed_by", "may_review"]
        read_only_fields = fields

    def get_may_review(self, appeal: Appeal) -> bool:
        request = self.context.get("request")
        return request is not None and appeals.may_review(appeal, request.user)


class AppealReviewRequestSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[(value, AppealState(value).label) for value in APPEAL_OUTCOMES],
        help_text="upheld: the decision stands; overturned: the new outcome replaces it.",
    )
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why; required (a blank one is refused with 400 reason_required).",
    )
    new_action = serializers.ChoiceField(
        choices=[("", "restore"), "approve", "label", "remove"],
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "Overturned only: the outcome that replaces the decision. Blank restores the clip "
            "(approve); an overturned approval needs label or remove "
            "(400 new_outcome_required)."
        ),
    )
    labels = serializers.ListField(
        child=serializers.SlugField(max_length=50),
        required=False,
        default=list,
        max_length=20,
        help_text="Label slugs of a new label or removal.",
    )
    policy_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="The policy reason of a new removal.",
    )


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
