"""Operators' admin for retention: policies are edited here; legal holds are placed and
released, and erasure requests recorded and carried out, through `retention.services` (audited).
"""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from dashboard.admin_site import RoleAdmin
from retention import services
from retention.models import ErasureRequest, LegalHold, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(RoleAdmin):
    list_display = [
        "name",
        "outcome",
        "active",
        "delete_media",
        "delete_after_days",
        "appeal_window_days",
        "updated_at",
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # switch a policy off instead: the rows say what the desk promised


class LegalHoldForm(forms.ModelForm):
    class Meta:
        model = LegalHold
        fields = ["clip", "person", "reason", "release_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is None and (data.get("clip") is None) == (data.get("person") is None):
            raise forms.ValidationError("Hold either one clip or one person (all their clips).")
        return data


@admin.register(LegalHold)
class LegalHoldAdmin(RoleAdmin):
    form = LegalHoldForm
    list_display = ["pk", "clip", "person", "reason", "placed_by", "placed_at", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["clip"]

    def get_fields(self, request: HttpRequest, obj: LegalHold | None = None) -> list[str]:
        if obj is None:
            return ["clip", "person", "reason"]
        return ["clip", "person", "reason", "placed_by", "placed_at", "released_by",
                "released_at", "release_reason"]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: LegalHold | None = None) -> list[str]:
        if obj is None:
            return []
        fixed = ["clip", "person", "reason", "placed_by", "placed_at", "released_by"]
        fixed.append("released_at")
        if obj.released_at is not None:
            fixed.append("release_reason")
        return fixed

    def save_model(self, request: HttpRequest, obj: LegalHold, form: Any, change: bool) -> None:
        try:
            if not change:
                hold = services.place_hold(
                    request.user, obj.reason, clip=obj.clip, person=obj.person
                )
                obj.pk, obj.placed_at, obj.placed_by = hold.pk, hold.placed_at, hold.placed_by
            elif "release_reason" in form.changed_data and obj.release_reason.strip():
                services.release_hold(obj.pk, request.user, obj.release_reason)
        except services.RetentionError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # release it instead: the hold stays as the record


@admin.register(ErasureRequest)
class ErasureRequestAdmin(RoleAdmin):
    list_display = ["pk", "person", "requested_by", "received_at", "state", "carried_out_at"]
    list_filter = ["state"]
    actions = ["carry_out"]

    def get_fields(self, request: HttpRequest, obj: ErasureRequest | None = None) -> list[str]:
        if obj is None:
            return ["person", "requested_by", "notes"]
        return ["person", "requested_by", "received_at", "recorded_by", "notes", "state",
                "carried_out_by", "carried_out_at", "result_display"]  # fmt: skip

    def get_readonly_fields(
        self, request: HttpRequest, obj: ErasureRequest | None = None
    ) -> list[str]:
        if obj is None:
            return []
        return self.get_fields(request, obj)

    @admin.display(description="What was erased")
    def result_display(self, obj: ErasureRequest) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.result, indent=2, ensure_ascii=False))

    def save_model(
        self, request: HttpRequest, obj: ErasureRequest, form: Any, change: bool
    ) -> None:
        if change:
            return  # the record is fixed once written
        try:
            created = services.record_erasure_request(
                obj.person, request.user, obj.requested_by, obj.notes
            )
        except services.RetentionError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = created.pk

    @admin.action(description="Carry out selected erasure requests", permissions=["change"])
    def carry_out(self, request: HttpRequest, queryset: QuerySet[ErasureRequest]) -> None:
        for erasure in queryset:
            try:
                done = services.carry_out_erasure(erasure.pk, request.user)
            except services.RetentionError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
            last = done.result["runs"][-1]
            self.message_user(
                request,
                f"Request {done.pk}: media of {len(last['erased'])} clip(s) erased, "
                f"{len(last['kept'])} kept under legal hold.",
                messages.WARNING if last["kept"] else messages.SUCCESS,
            )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
