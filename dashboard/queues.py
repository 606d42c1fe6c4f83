"""Who works which queue, and how many items each queue holds.

Routing (the `routing` app) puts every item in one `Queue`; this module answers the questions
the core itself asks about queues, so the claim service (*Next clip*) and the desk read one
rule:

* **Membership.** A person who is a member of at least one queue works exactly those queues.
  A person who is a member of none works every queue nobody is a member of, and always
  General, so a fresh desk (the seeded queues start without members) works as one queue and
  no item can be stranded in a queue nobody works.
* **Unrouted items** (no queue yet: still scoring, or older than routing) count as General.
* **Counts** per queue are one grouped count over the (status, queue, ...) index, restricted
  to the statuses *Next clip* serves, so the number of queues does not change the number of
  queries and no clip row is read.

Queues route work; they never hide an item: what a person may read is still
`dashboard.access.visible_clips`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dashboard.constants import ClipStatus
from dashboard.models import GENERAL_QUEUE, Clip, Queue

# What a queue's count means on the switcher: items waiting for a person or with one.
COUNTED_STATES: tuple[str, ...] = (ClipStatus.AWAITING_REVIEW, ClipStatus.IN_REVIEW)


# The seeded queues' names, translated on the desk while an admin has not renamed them.
SEEDED_NAMES: dict[str, Promise] = {
    "protected-persons": _("Protected persons"),
    "high-reach": _("High reach"),
    "known-fakes": _("Known fakes"),
    "photos": _("Photos"),
    GENERAL_QUEUE: _("General"),
}
SEEDED_ENGLISH = {
    "protected-persons": "Protected persons",
    "high-reach": "High reach",
    "known-fakes": "Known fakes",
    "photos": "Photos",
    GENERAL_QUEUE: "General",
}


def display_name(queue: Queue) -> str:
    """The queue's name as the desk shows it: a seeded name translated, any other as typed."""
    if SEEDED_ENGLISH.get(queue.slug) == queue.name:
        return str(SEEDED_NAMES[queue.slug])
    return queue.name


def queues_for(user: AbstractBaseUser) -> list[Queue]:
    """Every queue in switcher order, each with `member_total` and `is_member` (for `user`);
    one query."""
    membership = Queue.members.through.objects.filter(queue_id=OuterRef("pk"), user_id=user.pk)
    return list(
        Queue.objects.annotate(
            member_total=Count("members"), is_member=Exists(membership)
        ).order_by("order", "name")
    )


def worked_queues(user: AbstractBaseUser, queues: Iterable[Queue] | None = None) -> list[Queue]:
    """The queues `user` works, in switcher order (see the module docstring for the rule).

    `queues` may pass what `queues_for(user)` read, to spare the query.
    """
    queues = list(queues) if queues is not None else queues_for(user)
    member_of = [q for q in queues if q.is_member]
    if member_of:
        return member_of
    return [q for q in queues if not q.member_total or q.slug == GENERAL_QUEUE]


def in_queues(queues: Iterable[Queue]) -> Q:
    """Clips in any of `queues`; an unrouted clip (no queue) belongs to General.

    No queues at all (a desk whose queues an admin deleted, General included): every item is
    unrouted then, and the desk works as one queue, as before queues existed."""
    queues = list(queues)
    condition = Q(queue_id__in=[q.pk for q in queues])
    if not queues or any(q.slug == GENERAL_QUEUE for q in queues):
        condition |= Q(queue__isnull=True)
    return condition


def worked_clips(user: AbstractBaseUser, queryset: QuerySet[Clip]) -> QuerySet[Clip]:
    """`queryset` narrowed to the queues `user` works."""
    return queryset.filter(in_queues(worked_queues(user)))


def queue_counts(statuses: Iterable[str] = COUNTED_STATES) -> dict[int | None, int]:
    """Items per queue id in `statuses` (None: unrouted); one grouped count over the index."""
    rows = (
        Clip.objects.filter(status__in=list(statuses))
        .order_by()
        .values("queue_id")
        .annotate(n=Count("id"))
        .values_list("queue_id", "n")
    )
    return dict(rows)


def counts_by_queue(queues: Iterable[Queue], counts: dict[int | None, int]) -> dict[int, int]:
    """Queue id -> its count, the unrouted items added to General."""
    result = {}
    for queue in queues:
        result[queue.pk] = counts.get(queue.pk, 0)
        if queue.slug == GENERAL_QUEUE:
            result[queue.pk] += counts.get(None, 0)
    return result
