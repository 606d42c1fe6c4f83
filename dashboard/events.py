"""Announcing what happened to a clip, to whichever apps listen.

The app that makes a change calls `announce(event, clip, payload)` inside the transaction of the
change. Every `ClipEventListener` registered in `dashboard.hooks.clip_event_listeners` for that
event runs at once, in registration order: integrations writes the webhook outbox, provenance
queues matching after a clip is scored. The announcer imports none of them.
"""

from typing import Any

from dashboard.constants import ClipEvent
from dashboard.hooks import clip_event_listeners
from dashboard.models import Clip


def announce(event: str, clip: Clip | int, payload: dict[str, Any]) -> None:
    """Tell every listener of `event` about `clip` (or its id); an unknown event fails loudly."""
    ClipEvent(event)
    for listener in clip_event_listeners:
        if listener.events is None or event in listener.events:
            listener.handle(event, clip, payload)
