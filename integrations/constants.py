"""Named event types and delivery states of the webhooks."""

from django.db import models

from dashboard.constants import ClipEvent

# The core's clip events, plus the admin's test event.
EventType = models.TextChoices(
    "EventType",
    [(event.name, (event.value, event.label)) for event in ClipEvent]
    + [("TEST", ("webhook.test", "Test event"))],
)


SUBSCRIBABLE_EVENTS = tuple(e for e in EventType if e != EventType.TEST)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its (next) attempt
    SENDING = "sending", "Sending"  # a worker holds it under a short lease
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"  # gave up after the last attempt


FINAL_DELIVERY_STATES = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)
