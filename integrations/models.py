"""Webhook endpoints, the outbox of events, their deliveries and attempts; API idempotency keys.

An event row and one delivery row per subscribed endpoint are written in the same transaction as
the change they announce (the outbox); a Celery task sends each delivery after commit, so a slow
or failing receiver never holds up a decision.
"""

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from integrations import egress
from integrations.constants import SUBSCRIBABLE_EVENTS, DeliveryStatus, EventType
from integrations.fields import EncryptedTextField

# Only plain web URLs: never file://, ftp:// or anything urllib would also open.
http_url_validator = URLValidator(schemes=["http", "https"])


def generate_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(
        max_length=500,
        validators=[http_url_validator],
        help_text="http(s) URL that receives a JSON POST per event.",
    )
    # Stored encrypted under UNMASK_FIELD_KEY (integrations/fields.py); plain text in Python.
    secret = EncryptedTextField(
        default=generate_secret,
        help_text=(
            "Shared secret for the signature: X-Unmask-Signature: v1=<hex HMAC-SHA256 of "
            '"{X-Unmask-Timestamp}.{body}">.'
        ),
    )
    events = models.JSONField(default=list, blank=True, help_text="Event types to receive.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.events, list):
            raise ValidationError({"events": "A list of event types."})
        unknown = set(self.events) - {e.value for e in SUBSCRIBABLE_EVENTS}
        if unknown:
            raise ValidationError({"events": f"Unknown event types: {', '.join(sorted(unknown))}."})
        if self.url and self.url.lower().startswith(("http://", "https://")):
            # The host, by every address it resolves to now; each send checks it again.
            try:
                egress.check_url(self.url)
            except egress.EgressRefused as refused:
                raise ValidationError({"url": refused.message}) from refused

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.events


class WebhookEvent(models.Model):
    """One announced change: the envelope every subscribed endpoint receives, as sent."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=40, choices=EventType.choices, db_index=True)
    clip = models.ForeignKey(
        "dashboard.Clip",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_events",
    )
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.public_id.hex[:8]}"


class WebhookDelivery(models.Model):
    """One event on its way to one endpoint; retried with exponential backoff up to a cap."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While a worker sends, it holds the delivery until then; a dead worker's lease runs out.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per HTTP attempt, with what the receiver answered."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.FloatField(default=0.0)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
