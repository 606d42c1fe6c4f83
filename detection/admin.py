"""The operators' panel for detector models and their runs.

A model version is added by uploading its ONNX file with its manifest: the form's clean() hands
both to detection.registry, which validates the file in ONNX Runtime and stores it; a refused file
shows the registry's message and leaves no row and no file. Activation and shadowing are actions
that call the registry too, so they are audited like the management commands.
"""

import logging
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from dashboard.admin_site import ReadOnlyAdmin, RoleAdmin, export_as_csv
from dashboard.hooks import clip_admin_actions
from dashboard.jobs import enqueue
from dashboard.models import Clip
from detection.models import (
    DetectionProvider,
    DetectionRun,
    DetectorModel,
    FaceCrop,
    ProviderScore,
)
from detection.registry import (
    Manifest,
    RegistryError,
    activate_model,
    register_uploaded_model,
    set_shadow,
)
from detection.tasks import rescore_clip

logger = logging.getLogger(__name__)


class DetectorModelUploadForm(forms.ModelForm):
    onnx_file = forms.FileField(label="ONNX file")
    input_spec = forms.JSONField(help_text="name, size, color_order, layout, scale, mean, std")
    output_spec = forms.JSONField(help_text="name, index, meaning")
    calibration = forms.JSONField(required=False, initial=dict)
    metrics = forms.JSONField(required=False, initial=dict)
    activate = forms.BooleanField(required=False, help_text="Make it the active detector now.")
    shadow = forms.BooleanField(
        required=False, help_text="Score live traffic beside the active one."
    )

    class Meta:
        model = DetectorModel
        fields = ["name", "version", "threshold", "model_card"]

    # Set by the admin: who registers the model, for the audit log.
    actor: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        for name in ("input_spec", "output_spec", "calibration", "metrics"):
            if data.get(name) is not None and not isinstance(data[name], dict):
                self.add_error(name, "Expected a JSON object.")
        if self.errors:
            return data
        try:
            manifest = Manifest.from_dict(
                {
                    "name": data["name"],
                    "version": data["version"],
                    "input": data["input_spec"],
                    "output": data["output_spec"],
                    "threshold": data["threshold"],
                    "calibration": data.get("calibration") or {},
                    "metrics": data.get("metrics") or {},
                }
            )
            # The registry validates, stores and audits; the admin's save only re-saves it.
            self.instance = register_uploaded_model(
                data["onnx_file"],
                manifest,
                model_card=data.get("model_card", ""),
                activate=data.get("activate", False),
                shadow=data.get("shadow", False),
                actor=self.actor,
            )
        except RegistryError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(DetectorModel)
class DetectorModelAdmin(RoleAdmin):
    list_display = (
        "name",
        "version",
        "is_active",
        "is_shadow",
        "threshold",
        "short_sha256",
        "created_at",
        "activated_at",
    )
    list_filter = ("is_active", "is_shadow", "name", "created_at")
    search_fields = ("name", "version", "sha256", "model_card")
    date_hierarchy = "created_at"
    readonly_fields = (
        "name",
        "version",
        "file",
        "sha256",
        "input_spec",
        "output_spec",
        "threshold",
        "calibration",
        "metrics",
        "is_active",
        "is_shadow",
        "created_at",
        "activated_at",
    )
    actions = ["activate", "make_shadow", "stop_shadow", export_as_csv]

    @admin.display(description="sha256")
    def short_sha256(self, model: DetectorModel) -> str:
        return format_html("<code>{}</code>", model.sha256[:12])

    def get_form(
        self,
        request: HttpRequest,
        obj: DetectorModel | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[forms.ModelForm]:
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        kwargs["form"] = DetectorModelUploadForm
        kwargs["fields"] = None
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_fieldsets(self, request: HttpRequest, obj: DetectorModel | None = None) -> Any:
        if obj is not None:
            return [(None, {"fields": (*self.readonly_fields, "model_card")})]
        return [
            (None, {"fields": ("onnx_file", "name", "version", "threshold")}),
            ("Manifest", {"fields": ("input_spec", "output_spec", "calibration", "metrics")}),
            (None, {"fields": ("model_card", "activate", "shadow")}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: DetectorModel | None = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Runs and decisions' evidence refer to model versions; retire one by deactivating it.
        return False

    @admin.action(description="Activate (make it the one active detector)", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[DetectorModel]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model to activate.", messages.ERROR)
            return
        model = activate_model(queryset.get(), actor=request.user)
        self.message_user(request, f"{model.label} is now the active detector.")

    @admin.action(description="Make shadow (score beside the active model)", permissions=["change"])
    def make_shadow(self, request: HttpRequest, queryset: QuerySet[DetectorModel]) -> None:
        self._set_shadow(request, queryset, True)

    @admin.action(description="Stop shadow scoring", permissions=["change"])
    def stop_shadow(self, request: HttpRequest, queryset: QuerySet[DetectorModel]) -> None:
        self._set_shadow(request, queryset, False)

    def _set_shadow(
        self, request: HttpRequest, queryset: QuerySet[DetectorModel], shadow: bool
    ) -> None:
        for model in queryset:
            try:
                set_shadow(model, shadow, actor=request.user)
            except RegistryError as exc:
                self.message_user(request, f"{model.label}: {exc}", messages.ERROR)
            else:
                state = "shadows the active model" if shadow else "no longer shadows"
                self.message_user(request, f"{model.label} {state}.")


@admin.register(DetectionRun)
class DetectionRunAdmin(ReadOnlyAdmin):
    list_display = (
        "clip",
        "model",
        "status",
        "is_shadow",
        "clip_score",
        "threshold",
        "frames_scored",
        "faces_found",
        "started_at",
        "finished_at",
    )
    list_filter = ("status", "is_shadow", "model", "started_at")
    search_fields = ("clip__public_id", "model__name", "error")
    date_hierarchy = "started_at"
    list_select_related = ("clip", "model")
    exclude = ("timeline",)
    actions = [export_as_csv]


@admin.register(FaceCrop)
class FaceCropAdmin(ReadOnlyAdmin):
    list_display = ("run", "rank", "time_s", "score")
    list_filter = ("run__model",)
    search_fields = ("run__clip__public_id",)
    list_select_related = ("run", "run__clip", "run__model")
    exclude = ("jpeg",)


def _enqueue_rescoring(clip_ids: list[int]) -> int:
    return sum(
        enqueue(
            rescore_clip,
            [clip_id],
            what=f"Re-scoring job for clip {clip_id}",
            resent_by="nobody (re-scoring has no sweeper): run the action again",
        )
        for clip_id in clip_ids
    )


@admin.action(description="Re-score selected clips with the active model", permissions=["change"])
def rescore_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Clip]
) -> None:
    clip_ids = list(queryset.values_list("pk", flat=True))
    transaction.on_commit(lambda: _enqueue_rescoring(clip_ids))
    modeladmin.message_user(request, f"Queued {len(clip_ids)} clip(s) for re-scoring.")


clip_admin_actions.register("rescore_selected", rescore_selected)


# --- Remote detection providers (detection/providers.py) --------------------------------------


def breaker_message(provider: DetectionProvider) -> str:
    """What the admin says about a provider's circuit breaker (empty: closed)."""
    if not provider.breaker_open():
        return ""
    return gettext(
        "Circuit breaker open: %(name)s failed %(count)d times in a row and is not called "
        "until %(until)s. Last error: %(error)s"
    ) % {
        "name": provider.name,
        "count": provider.consecutive_failures,
        "until": timezone.localtime(provider.breaker_open_until).strftime("%Y-%m-%d %H:%M"),
        "error": provider.last_error or "-",
    }


@admin.register(DetectionProvider)
class DetectionProviderAdmin(RoleAdmin):
    list_display = (
        "name",
        "enabled",
        "endpoint",
        "request_form",
        "validated",
        "breaker_state",
        "consecutive_failures",
    )
    list_filter = ("enabled", "validated", "request_form")
    search_fields = ("name", "endpoint")
    readonly_fields = ("consecutive_failures", "breaker_open_until", "last_error")
    actions = ("close_breaker",)
    # An endpoint typed without a scheme is taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=gettext_lazy("Circuit breaker"))
    def breaker_state(self, obj: DetectionProvider) -> str:
        if obj.breaker_open():
            return gettext("Open until %(until)s") % {
                "until": timezone.localtime(obj.breaker_open_until).strftime("%Y-%m-%d %H:%M")
            }
        return gettext("Closed")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        for provider in DetectionProvider.objects.filter(breaker_open_until__gt=timezone.now()):
            self.message_user(request, breaker_message(provider), messages.WARNING)
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        provider = DetectionProvider.objects.filter(pk=object_id).first()
        if provider is not None and request.method == "GET" and provider.breaker_open():
            self.message_user(request, breaker_message(provider), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=gettext_lazy("Close the circuit breaker (call again now)"))
    def close_breaker(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(consecutive_failures=0, breaker_open_until=None)
        self.message_user(
            request, gettext("Circuit breaker closed for %(count)d providers.") % {"count": count}
        )


@admin.register(ProviderScore)
class ProviderScoreAdmin(ReadOnlyAdmin):
    list_display = ("clip", "provider", "status", "score", "attempts", "http_status", "error")
    list_filter = ("status", "provider")
    search_fields = ("clip__public_id", "provider__name", "error")
    list_select_related = ("clip", "provider")
