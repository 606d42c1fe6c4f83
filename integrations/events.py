"""The webhook outbox: `queue_webhook_event` writes an event and its deliveries; tasks send them.

Services call `queue_webhook_event(event_type, clip, payload)` inside the transaction that made
the change: the event and one delivery per subscribed endpoint commit (or roll back) with it, and
the delivery tasks are enqueued only after commit. Nothing here talks to the network. (The audit
trail is another writer: `dashboard.workflow.record_event` writes an AuditEvent.)
"""

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from dashboard.models import Clip
from integrations.constants import EventType
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.tasks import schedule_delivery

logger = logging.getLogger(__name__)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def envelope(event: WebhookEvent, clip: Clip | None, data: dict[str, Any]) -> dict[str, Any]:
    """The body every receiver gets: what happened, to which clip, and the event's own data."""
    return _jsonable(
        {
            "id": str(event.public_id),
            "type": event.event_type,
            "created_at": event.created_at,
            "clip": None
            if clip is None
            else {
                "id": clip.public_id,
                # "video" or "photo" (added with photos; receivers that ignore it are unaffected)
                "kind": clip.kind,
                "status": clip.status,
                "score": clip.score,
                "version": clip.version,
                "url": f"/api/v1/clips/{clip.public_id}/",
            },
            "data": data,
        }
    )


def _write_outbox(
    event_type: str,
    clip: Clip | None,
    payload: dict[str, Any],
    endpoints: Iterable[WebhookEndpoint],
) -> WebhookEvent | None:
    """Write the event and its deliveries to `endpoints`; enqueue them when the caller commits."""
    endpoints = list(endpoints)
    if not endpoints:
        return None
    event = WebhookEvent(event_type=event_type, clip=clip, created_at=timezone.now(), payload={})
    event.payload = envelope(event, clip, payload)
    with transaction.atomic():
        event.save()
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, endpoint=endpoint) for endpoint in endpoints
        )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [schedule_delivery(pk) for pk in ids])
    return event


def queue_webhook_event(
    event_type: str, clip: Clip | int, payload: dict[str, Any]
) -> WebhookEvent | None:
    """Announce `event_type` about `clip` (or its id) to every active endpoint subscribed to it.

    Returns the event, or None when nobody listens. Call it inside the transaction of the change.
    """
    EventType(event_type)  # an unknown type is a programming error: fail loudly
    endpoints = [
        e for e in WebhookEndpoint.objects.filter(active=True) if e.subscribes_to(event_type)
    ]
    if not endpoints:
        return None
    if not isinstance(clip, Clip):
        clip = Clip.objects.get(pk=clip)
    return _write_outbox(event_type, clip, payload, endpoints)


def send_test_event(endpoints: Iterable[WebhookEndpoint]) -> WebhookEvent | None:
    """The admin's "send test event": one test event to each of `endpoints`, subscribed or not."""
    return _write_outbox(
        EventType.TEST, None, {"message": "A test event from Unmask's admin."}, endpoints
    )


def decision_event_type(action: str) -> str:
    """An escalation is announced as clip.escalated; every other decision as clip.decided."""
    return EventType.CLIP_ESCALATED if action == "escalate" else EventType.CLIP_DECIDED


def decision_payload(decision: Any, labels: Iterable[Any]) -> dict[str, Any]:
    """What receivers learn of a decision: no moderator identity, no internal note.

    A decision that replaces one an appeal overturned names it under `previous_decision`, so
    the platform can undo what it did on the previous one (restore a removed post).
    `account_recommendation` (none, warn, restrict, suspend) is what the platform is advised to
    do with the uploader's `account`; the desk never acts on the platform itself. `case` names
    the case when the decision was taken for a whole case of copies.
    """
    account = decision.clip.account if decision.clip.account_id else None
    case = decision.evidence.get("case") if isinstance(decision.evidence, dict) else None
    payload = {
        "decision": decision.pk,
        "action": decision.action,
        "labels": [label.slug for label in labels],
        "decided_at": decision.created_at,
        "previous_decision": None,
        "account_recommendation": decision.account_recommendation,
        "account": None
        if account is None
        else {
            "platform": account.platform,
            "account_id": account.account_id,
            "handle": account.handle,
        },
        "case": case.get("case") if isinstance(case, dict) else None,
    }
    previous = (
        type(decision).objects.filter(pk=decision.supersedes_id).first()
        if decision.supersedes_id
        else None
    )
    if previous is not None:
        payload["previous_decision"] = {
            "decision": previous.pk,
            "action": previous.action,
            "labels": sorted(previous.labels.values_list("slug", flat=True)),
            "decided_at": previous.created_at,
            "overturned_by_appeal": (decision.evidence or {}).get("appeal"),
        }
    return payload


def announce_decision(decision: Any, labels: Iterable[Any]) -> WebhookEvent | None:
    """The `decision_recorded` hook: write the decision's webhook event to the outbox, inside
    the decision's transaction (dashboard.hooks)."""
    return queue_webhook_event(
        decision_event_type(decision.action), decision.clip, decision_payload(decision, labels)
    )
