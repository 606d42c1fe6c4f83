"""What the cases API answers: a case with its totals, and one with its copies."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dashboard.models import Account, Clip
from provenance.models import Case


class CaseSerializer(serializers.ModelSerializer):
    """A case and its totals over its active copies (provenance.cases.cases_with_totals)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    title = serializers.CharField(source="__str__", read_only=True)
    copy_count = serializers.IntegerField(source="copy_total", read_only=True)
    reach = serializers.IntegerField(
        source="reach_total", read_only=True, help_text="The sum of the copies' stated reach."
    )
    status_summary = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "title", "created_at", "copy_count", "reach", "status_summary"]
        read_only_fields = fields

    def get_status_summary(self, case: Case) -> dict[str, int]:
        """Copies per state: open (undecided), removed, labelled, approved."""
        return {
            "open": case.open_total,
            "removed": case.removed_total,
            "labelled": case.labelled_total,
            "approved": case.approved_total,
        }


class CaseUploaderSerializer(serializers.ModelSerializer):
    """The copy's uploader: only the columns provenance.cases.case_copies loads (the account's
    platform is the copy's `platform`)."""

    class Meta:
        model = Account
        fields = ["id", "account_id", "handle"]
        read_only_fields = fields


class CaseCopySerializer(serializers.ModelSerializer):
    """One copy in a case: the clip, where it was posted, by whom, its reach and status."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    uploader = CaseUploaderSerializer(source="account", read_only=True, allow_null=True)
    last_action = serializers.CharField(read_only=True, allow_null=True)
    best_share = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Clip
        fields = [
            "id",
            "platform",
            "uploader",
            "reach",
            "status",
            "created_at",
            "last_action",
            "best_share",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    """A case with every copy the caller may read, in the order they appeared."""

    copies = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "copies"]
        read_only_fields = fields

    @extend_schema_field(CaseCopySerializer(many=True))
    def get_copies(self, case: Case) -> list[dict[str, Any]]:
        return CaseCopySerializer(self.context["copies"], many=True).data
