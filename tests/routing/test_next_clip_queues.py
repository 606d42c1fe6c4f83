"""Next clip serves the caller's queues (dashboard.queues): members work their queues, people in
no queue work the queues nobody is a member of and General; a senior's move is audited."""

import pytest

from dashboard.claims import ClaimError, claim_next_clip
from dashboard.constants import ClipStatus, Role
from dashboard.models import AuditEvent, Clip, Queue
from dashboard.queues import counts_by_queue, queue_counts, worked_queues
from routing.services import RoutingError, move_clip, route_clip
from tests.factories import ScoredClipFactory, UserFactory

pytestmark = pytest.mark.django_db


def q(slug):
    return Queue.objects.get(slug=slug)


def in_queue(slug, priority, **fields):
    return ScoredClipFactory(queue=q(slug), priority=priority, **fields)


@pytest.fixture
def clips():
    return {
        "protected": in_queue("protected-persons", 90),
        "reach": in_queue("high-reach", 80),
        "general": in_queue("general", 10),
        "unrouted": ScoredClipFactory(priority=5),  # no queue yet: counts as General
    }


def test_a_member_gets_the_highest_priority_item_of_their_queues_only(clips):
    moderator = UserFactory(role=Role.MODERATOR)
    q("high-reach").members.add(moderator)
    q("general").members.add(moderator)
    taken = [claim_next_clip(moderator) for _ in range(4)]
    assert taken[:3] == [clips["reach"], clips["general"], clips["unrouted"]]
    assert taken[3] is None  # the protected-persons item is not theirs


def test_someone_in_no_queue_works_the_queues_without_members(clips):
    specialist, newcomer = UserFactory(role=Role.MODERATOR), UserFactory(role=Role.MODERATOR)
    q("protected-persons").members.add(specialist)
    assert "protected-persons" not in [x.slug for x in worked_queues(newcomer)]
    assert claim_next_clip(newcomer) == clips["reach"]
    assert claim_next_clip(specialist) == clips["protected"]


def test_general_is_always_open_to_someone_in_no_queue(clips):
    newcomer, member = UserFactory(role=Role.MODERATOR), UserFactory(role=Role.MODERATOR)
    for queue in Queue.objects.all():
        queue.members.add(member)
    assert [x.slug for x in worked_queues(newcomer)] == ["general"]
    assert claim_next_clip(newcomer) == clips["general"]


def test_next_clip_from_one_named_queue_and_refused_for_a_queue_not_worked(clips):
    moderator = UserFactory(role=Role.MODERATOR)
    assert claim_next_clip(moderator, queue="general") == clips["general"]
    q("protected-persons").members.add(UserFactory(role=Role.MODERATOR))
    with pytest.raises(ClaimError) as refused:
        claim_next_clip(moderator, queue="protected-persons")
    assert (refused.value.code, refused.value.status) == ("not_a_member", 403)
    with pytest.raises(ClaimError) as unknown:
        claim_next_clip(moderator, queue="nope")
    assert (unknown.value.code, unknown.value.status) == ("unknown_queue", 400)


def test_next_clip_queries_do_not_grow_with_the_number_of_queues(clips):
    moderator = UserFactory(role=Role.MODERATOR)

    def queries_for_next():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            clip = claim_next_clip(moderator)
        Clip.objects.filter(pk=clip.pk).update(
            status=ClipStatus.AWAITING_REVIEW, claimed_by=None, claim_expires_at=None
        )
        return len(ctx)

    queries_for_next()  # the first claim also reads the user's roles once
    few = queries_for_next()
    for n in range(30):
        Queue.objects.create(name=f"Market {n}", slug=f"market-{n}")
    assert queries_for_next() == few


def test_queue_counts_are_one_query_whatever_the_number_of_queues(clips, django_assert_num_queries):
    for n in range(30):
        Queue.objects.create(name=f"Market {n}", slug=f"market-{n}")
    queues = list(Queue.objects.all())
    with django_assert_num_queries(1):
        counts = counts_by_queue(queues, queue_counts())
    assert counts[q("general").pk] == 2  # one routed there, one not routed yet
    assert counts[q("high-reach").pk] == 1
    assert counts[q("market-3").pk] == 0


def test_a_senior_moves_an_item_audited_and_routing_leaves_it_there(clips):
    senior = UserFactory(role=Role.SENIOR)
    clip = clips["reach"]
    move_clip(clip.pk, "general", senior, note="Not that viral after all")
    clip.refresh_from_db()
    assert (clip.queue.slug, clip.queue_pinned) == ("general", True)
    event = AuditEvent.objects.get(clip=clip, action="queue.moved")
    assert event.actor == senior
    assert event.data == {"from": "high-reach", "to": "general", "note": "Not that viral after all"}
    Clip.objects.filter(pk=clip.pk).update(reach=10**7)
    route_clip(clip.pk)
    assert Clip.objects.get(pk=clip.pk).queue.slug == "general"


def test_only_a_senior_moves_items(clips):
    with pytest.raises(RoutingError) as refused:
        move_clip(clips["reach"].pk, "general", UserFactory(role=Role.MODERATOR))
    assert (refused.value.code, refused.value.status) == ("senior_only", 403)
    assert not AuditEvent.objects.filter(action="queue.moved").exists()


def test_seed_demo_gives_the_senior_protected_persons_and_general(senior):
    from desk.management.commands.seed_demo import Command

    Command()._queues()
    assert [x.slug for x in worked_queues(senior)] == ["protected-persons", "general"]
    moderator = UserFactory(role=Role.MODERATOR)
    assert "protected-persons" not in [x.slug for x in worked_queues(moderator)]
