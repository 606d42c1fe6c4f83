"""Named event types and delivery states of the webhooks."""

from django.db import models


class EventType(models.TextChoices):
    CLIP_SCORED = "clip.scored", "Clip scored"
    CLIP_DECIDED = "clip.decided", "Clip decided"
    CLIP_ESCALATED = "clip.escalated", "Clip escalated"
    CLIP_FAILED = "clip.failed", "Clip failed"
    CLIP_APPEAL_DECIDED = "clip.appeal_decided", "Appeal decided"
    # Sent only by the admin's "send test event" action, whatever an endpoint subscribes to.
    TEST = "webhook.test", "Test event"


SUBSCRIBABLE_EVENTS = tuple(e for e in EventType if e != EventType.TEST)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its (next) attempt
    SENDING = "sending", "Sending"  # a worker holds it under a short lease
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"  # gave up after the last attempt


FINAL_DELIVERY_STATES = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)
