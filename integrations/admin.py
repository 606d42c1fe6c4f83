"""The operators' panel for webhooks.

Endpoints are registered here (URL, secret, events) and can be sent a test event; deliveries show
their attempt log (status code, latency, error) and can be retried now. Events, deliveries and
keys are records of what happened: read-only.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from dashboard.admin_site import ReadOnlyAdmin, ReadOnlyInline, RoleAdmin, export_as_csv
from integrations.constants import SUBSCRIBABLE_EVENTS
from integrations.delivery import retry_now
from integrations.events import send_test_event
from integrations.models import (
    DeliveryAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from integrations.tasks import schedule_delivery


class WebhookEndpointForm(forms.ModelForm):
    # The model's validators still allow only http(s); a bare host means https.
    url = forms.URLField(max_length=500, assume_scheme="https")
    # Stored encrypted (a text column); the secret itself stays a one-line value of at most 100.
    secret = forms.CharField(max_length=100)
    events = forms.MultipleChoiceField(
        choices=[(e.value, e.label) for e in SUBSCRIBABLE_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "events", "active"]


class DeliveryAttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = ("number", "status_code", "latency_ms", "error", "response_excerpt", "created_at")
    readonly_fields = fields


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(RoleAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "subscribed_events", "active", "created_at")
    list_filter = ("active", "created_at")
    search_fields = ("name", "url")
    date_hierarchy = "created_at"
    actions = ["send_test", export_as_csv]

    @admin.display(description="Events")
    def subscribed_events(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events) or "—"

    @admin.action(description="Send a test event", permissions=["change"])
    def send_test(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        endpoints = list(queryset)
        send_test_event(endpoints)
        self.message_user(request, f"Queued a test event to {len(endpoints)} endpoint(s).")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "event_type", "clip", "public_id")
    list_filter = ("event_type", "created_at")
    search_fields = ("public_id", "clip__public_id")
    date_hierarchy = "created_at"
    list_select_related = ("clip",)
    actions = [export_as_csv]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
    )
    list_filter = ("status", "endpoint", "event__event_type", "created_at")
    search_fields = ("public_id", "event__public_id", "endpoint__name", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("event", "endpoint")
    inlines = [DeliveryAttemptInline]
    actions = ["retry_selected", export_as_csv]

    @admin.display(description="Event", ordering="event__event_type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.event_type

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only fields, but actions such as "retry now" need the change permission.
        return RoleAdmin.has_change_permission(self, request, obj) and obj is None

    @admin.action(description="Retry now", permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        ids = retry_now(list(queryset.values_list("pk", flat=True)))
        transaction.on_commit(lambda: [schedule_delivery(pk) for pk in ids])
        self.message_user(request, f"Queued {len(ids)} delivery(ies) to be sent again.")


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "delivery", "number", "status_code", "latency_ms", "error")
    list_filter = ("status_code", "created_at")
    search_fields = ("delivery__public_id", "error")
    date_hierarchy = "created_at"
    list_select_related = ("delivery", "delivery__event", "delivery__endpoint")
    actions = [export_as_csv]
