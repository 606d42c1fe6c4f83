"""Operators' admin for the team workflow: the two-person policy and SLA bands are edited here;
pending decisions, appeals, breaches and evidence packs are shown read-only (services change
them, audited)."""

from typing import Any

from django import forms
from django.contrib import admin

from dashboard.admin_site import ReadOnlyAdmin, RoleAdmin
from teamwork.models import (
    Appeal,
    EvidencePack,
    PendingDecision,
    SlaBand,
    SlaBreach,
    TwoPersonPolicy,
)
from teamwork.policy import COVERABLE_ACTIONS


class TwoPersonPolicyForm(forms.ModelForm):
    actions = forms.MultipleChoiceField(
        choices=[(a.value, a.label) for a in COVERABLE_ACTIONS],
        widget=forms.CheckboxSelectMultiple,
        help_text="Decisions that wait for a second moderator when the policy matches.",
    )

    class Meta:
        model = TwoPersonPolicy
        fields = [
            "name",
            "active",
            "actions",
            "protected_person",
            "known_fake",
            "min_reports",
            "min_reach",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            not data.get("protected_person")
            and not data.get("known_fake")
            and data.get("min_reports") is None
            and data.get("min_reach") is None
        ):
            raise forms.ValidationError(
                "Choose what triggers the rule: a protected person, a known fake, a report count, "
                "a reach, or several."
            )
        return data


@admin.register(TwoPersonPolicy)
class TwoPersonPolicyAdmin(RoleAdmin):
    form = TwoPersonPolicyForm
    list_display = [
        "name",
        "active",
        "actions",
        "protected_person",
        "known_fake",
        "min_reports",
        "min_reach",
    ]


@admin.register(SlaBand)
class SlaBandAdmin(RoleAdmin):
    list_display = ["name", "queue", "min_priority", "hours"]
    list_filter = ["queue"]
    list_select_related = ["queue"]


@admin.register(PendingDecision)
class PendingDecisionAdmin(ReadOnlyAdmin):
    list_display = ["clip", "action", "proposed_by", "proposed_at", "state", "resolved_by"]
    list_filter = ["state", "action"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["clip", "source", "submitted_at", "state", "reviewed_by"]
    list_filter = ["state", "source"]


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdmin):
    list_display = ["clip", "band", "deadline", "detected_at", "status_at_detection"]
    list_filter = ["band"]


@admin.register(EvidencePack)
class EvidencePackAdmin(ReadOnlyAdmin):
    list_display = ["clip", "state", "progress", "requested_by", "requested_at", "sha256"]
    list_filter = ["state"]
