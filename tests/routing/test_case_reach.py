"""Routing on a case's reach: the registered condition, and every open copy re-routed when a
copy joins or leaves the case or states a larger reach."""

import pytest

from dashboard.constants import ClipStatus, Role
from dashboard.hooks import routing_conditions
from dashboard.models import Clip, Queue
from dashboard.priority import refresh_priority
from provenance.cases import add_to_case, join_case_from_matches, remove_from_case
from provenance.models import BankEntry, BankKind, BankMatch, HashBank
from routing import cases
from routing.admin import RoutingRuleForm
from routing.cases import CASE_REACH, parse_case_reach
from routing.models import RoutingRule
from routing.services import route_clip
from tests.factories import ScoredClipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_cases():
    """Only one rule: cases reaching 1,000 views together go to the "Big cases" queue."""
    RoutingRule.objects.all().delete()
    queue = Queue.objects.create(name="Big cases", slug="big-cases", order=5)
    RoutingRule.objects.create(name="big cases", queue=queue, extra_conditions={CASE_REACH: 1000})
    return queue


def entry() -> BankEntry:
    bank, _ = HashBank.objects.get_or_create(name="fakes", defaults={"kind": BankKind.KNOWN_FAKE})
    return BankEntry.objects.create(bank=bank, source="import", frame_hashes=b"")


def matched(clip, banked: BankEntry) -> None:
    """What the matching task does: store the match, join the case, refresh (re-route)."""
    row = BankMatch.objects.create(
        clip=clip, entry=banked, query_share=0.9, bank_share=0.9, best_distance=5, matched_frames=9
    )
    join_case_from_matches(clip, [row])
    refresh_priority(clip)


def queue_of(clip) -> str:
    return Clip.objects.select_related("queue").get(pk=clip.pk).queue.slug


def test_the_condition_is_offered_and_validated():
    condition = {c.key: c for c in routing_conditions}[CASE_REACH]
    assert str(condition.label) == "Case reach at least"
    assert parse_case_reach("2500") == 2500
    for bad in ("many", "-1", None):
        with pytest.raises(ValueError):
            parse_case_reach(bad)
    form = RoutingRuleForm(
        data={
            "name": "r",
            "queue": Queue.objects.get(slug="general").pk,
            "order": 1,
            "active": True,
            "extra_conditions": '{"case_reach_at_least": "x"}',
        }
    )
    assert not form.is_valid() and "extra_conditions" in form.errors


def test_a_clip_in_no_case_does_not_meet_it(big_cases):
    clip = ScoredClipFactory(reach=50_000)
    route_clip(clip.pk)
    assert queue_of(clip) == "general"


def test_a_copy_joining_moves_every_open_copy_once_the_sum_is_reached(big_cases):
    banked = entry()
    first, second = ScoredClipFactory(reach=400), ScoredClipFactory(reach=400)
    matched(first, banked)
    matched(second, banked)
    assert queue_of(first) == queue_of(second) == "general"  # 800 together

    third = ScoredClipFactory(reach=300)
    matched(third, banked)  # 1,100 together: all three copies move, not only the newcomer

    assert {queue_of(c) for c in (first, second, third)} == {"big-cases"}


def test_a_copy_stating_more_reach_re_routes_the_others(big_cases):
    banked = entry()
    first, second = ScoredClipFactory(reach=100), ScoredClipFactory(reach=100)
    decided = ScoredClipFactory(reach=0, status=ClipStatus.REMOVED)
    matched(first, banked)
    matched(second, banked)
    matched(decided, banked)
    assert queue_of(second) == "general"

    Clip.objects.filter(pk=first.pk).update(reach=5000)  # as a new report would state
    first.refresh_from_db()
    refresh_priority(first)

    assert queue_of(first) == queue_of(second) == "big-cases"
    assert Clip.objects.get(pk=decided.pk).queue_id is None  # a decided copy is never routed


def test_a_copy_leaving_the_case_re_routes_what_remains(big_cases):
    senior = UserFactory(role=Role.SENIOR)
    banked = entry()
    small, large = ScoredClipFactory(reach=100), ScoredClipFactory(reach=2000)
    matched(small, banked)
    matched(large, banked)
    assert queue_of(small) == "big-cases"

    remove_from_case(small.case_membership.case_id, large.pk, senior, "Not a copy: a parody.")

    assert queue_of(small) == queue_of(large) == "general"
    add_to_case(small.case_membership.case_id, large.pk, senior)
    assert queue_of(small) == queue_of(large) == "big-cases"


def test_without_a_case_reach_rule_other_copies_are_not_routed(monkeypatch):
    """Re-routing a case's copies costs nothing when no rule weighs a case's reach."""
    RoutingRule.objects.filter(extra_conditions__has_key=CASE_REACH).delete()
    banked = entry()
    copies = [ScoredClipFactory(reach=10) for _ in range(5)]
    for clip in copies:
        matched(clip, banked)
    routed: list[int] = []
    monkeypatch.setattr(cases, "route_clip", lambda clip_id: routed.append(clip_id))
    refresh_priority(copies[0])
    assert routed == [copies[0].pk]


def test_with_a_case_reach_rule_each_open_copy_is_routed_once(big_cases, monkeypatch):
    banked = entry()
    copies = [ScoredClipFactory(reach=10) for _ in range(5)]
    for clip in copies:
        matched(clip, banked)
    routed: list[int] = []
    monkeypatch.setattr(cases, "route_clip", lambda clip_id: routed.append(clip_id))
    refresh_priority(copies[2])
    assert sorted(routed) == sorted(c.pk for c in copies) and len(routed) == 5
