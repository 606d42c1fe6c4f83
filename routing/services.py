"""The one routing service: which queue an item lands in, and a senior moving it by hand.

`route_clip(clip_id)` tries the active rules in order (routing.models.RoutingRule) and puts the
item in the first matching rule's queue, else in General. It runs when the item is scored
(the clip.scored event) and whenever a fact it routes on changes (dashboard.hooks.
clip_facts_changed, called by the priority refresh every such change goes through), inside
that change's transaction. A change of queue is audited ("queue.routed", with the rule); an
item a senior moved by hand (`move_clip`, audited "queue.moved") is pinned there and routing
leaves it alone; a decided item is not routed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.constants import FINAL_STATES
from dashboard.errors import ServiceError
from dashboard.models import GENERAL_QUEUE, Clip, Queue
from dashboard.roles import is_senior
from dashboard.workflow import record_event
from routing.conditions import ClipFacts, rule_matches
from routing.models import RoutingRule

ACTOR = "routing.route_clip"


class RoutingError(ServiceError):
    """A move was refused."""


@dataclass(frozen=True)
class Routed:
    """Where routing put an item: the queue, the rule that matched (None: General or left
    alone), and whether the queue changed."""

    queue: Queue | None
    rule: RoutingRule | None
    changed: bool


def choose_queue(clip: Clip) -> tuple[Queue | None, RoutingRule | None]:
    """The first active rule `clip` meets and its queue; General (and no rule) otherwise."""
    facts = ClipFacts(clip)
    for rule in RoutingRule.objects.filter(active=True).select_related("queue"):
        if rule_matches(rule, facts):
            return rule.queue, rule
    return Queue.objects.filter(slug=GENERAL_QUEUE).first(), None


def route_clip(clip_id: int) -> Routed:
    """Put the item in its queue by the rules; audited when the queue changes. Idempotent."""
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        if clip.queue_pinned or clip.status in FINAL_STATES:
            return Routed(clip.queue, None, False)
        queue, rule = choose_queue(clip)
        new_id = queue.pk if queue else None
        if new_id == clip.queue_id:
            return Routed(queue, rule, False)
        previous = clip.queue.slug if clip.queue_id else None
        Clip.objects.filter(pk=clip.pk).update(queue=queue)
        clip.queue = queue
        record_event(
            clip,
            "queue.routed",
            actor_label=ACTOR,
            data={
                "from": previous,
                "to": queue.slug if queue else None,
                "rule": rule.pk if rule else None,
                "rule_name": rule.name if rule else "",
            },
        )
        return Routed(queue, rule, True)


def move_clip(clip_id: int, queue_slug: str, user: AbstractBaseUser, note: str = "") -> Clip:
    """A senior moves an item to another queue; audited, and routing leaves it there."""
    if not is_senior(user):
        raise RoutingError(
            "senior_only", _("Only senior moderators move items between queues."), 403
        )
    queue = Queue.objects.filter(slug=queue_slug).first()
    if queue is None:
        raise RoutingError(
            "unknown_queue", _("There is no queue “%(queue)s”.") % {"queue": queue_slug}, 400
        )
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        if clip.status in FINAL_STATES:
            raise RoutingError(
                "already_decided",
                _("Clip %(clip)s was already decided.") % {"clip": clip.short_id},
                409,
            )
        previous = clip.queue.slug if clip.queue_id else None
        if clip.queue_id == queue.pk and clip.queue_pinned:
            return clip
        pinned_at = timezone.now()
        Clip.objects.filter(pk=clip.pk).update(queue=queue, queue_pinned_at=pinned_at)
        clip.queue, clip.queue_pinned_at = queue, pinned_at
        record_event(
            clip,
            "queue.moved",
            actor=user,
            data={"from": previous, "to": queue.slug, "note": note[:500]},
        )
    return clip


def unpin_clip(clip_id: int, user: AbstractBaseUser) -> Routed:
    """A senior hands a moved item back to the rules; audited, then routed again."""
    if not is_senior(user):
        raise RoutingError(
            "senior_only", _("Only senior moderators move items between queues."), 403
        )
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        if clip.queue_pinned:
            Clip.objects.filter(pk=clip.pk).update(queue_pinned_at=None)
            record_event(clip, "queue.unpinned", actor=user, data={"queue": clip.queue_id})
        return route_clip(clip.pk)
