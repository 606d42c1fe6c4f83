"""Routing: each condition a rule can set, first match wins, General otherwise, and routing
again when the item's facts change."""

import pytest

from dashboard.constants import ClipEvent, ClipStatus, ReportReason, Role
from dashboard.events import announce
from dashboard.hooks import RoutingCondition, routing_conditions
from dashboard.models import AuditEvent, Clip, Queue
from dashboard.persons import add_person
from dashboard.priority import refresh_priority
from dashboard.reports import file_report
from provenance.models import BankEntry, BankKind, BankMatch, HashBank
from provenance.services import do_mark_match_wrong
from routing.models import RoutingRule
from routing.services import route_clip
from tests.factories import (
    DetectionRunFactory,
    PersonFactory,
    ScoredClipFactory,
    UserFactory,
    claimed_clip,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    """One queue for the rule under test (the seeded rules set aside), General beside it."""
    RoutingRule.objects.all().delete()
    return Queue.objects.create(name="Team", slug="team", order=5)


def rule(queue, **conditions):
    return RoutingRule.objects.create(name="rule", queue=queue, **conditions)


def queue_of(clip):
    return Clip.objects.select_related("queue").get(pk=clip.pk).queue.slug


def match(clip, kind=BankKind.KNOWN_FAKE, distance=6):
    bank, _ = HashBank.objects.get_or_create(name=f"bank {kind}", defaults={"kind": kind})
    entry = BankEntry.objects.create(bank=bank, source="import", frame_hashes=b"")
    return BankMatch.objects.create(
        clip=clip,
        entry=entry,
        query_share=0.9,
        bank_share=0.8,
        best_distance=distance,
        matched_frames=9,
    )


def test_no_rule_matching_lands_in_general(team):
    rule(team, min_reach=1000)
    clip = ScoredClipFactory(reach=10)
    routed = route_clip(clip.pk)
    assert routed.rule is None and queue_of(clip) == "general"


def test_protected_person(team):
    rule(team, protected_person=True)
    plain, protected = ScoredClipFactory(), ScoredClipFactory()
    plain.persons.add(PersonFactory(protected=False))
    protected.persons.add(PersonFactory(protected=True))
    route_clip(plain.pk), route_clip(protected.pk)
    assert (queue_of(plain), queue_of(protected)) == ("general", "team")


def test_stated_reach_at_least(team):
    rule(team, min_reach=50_000)
    below, at, none = (ScoredClipFactory(reach=r) for r in (49_999, 50_000, None))
    for clip in (below, at, none):
        route_clip(clip.pk)
    assert [queue_of(c) for c in (below, at, none)] == ["general", "team", "general"]


def test_known_fake_match_but_not_a_match_marked_wrong(team):
    rule(team, known_fake_match=True)
    matched, wrong, reference_only = ScoredClipFactory(), ScoredClipFactory(), ScoredClipFactory()
    match(matched)
    match(wrong).entry.__class__.objects.filter(matches__clip=wrong).update(
        quarantined_at="2026-01-01T00:00:00Z"
    )
    match(reference_only, kind=BankKind.REFERENCE)
    for clip in (matched, wrong, reference_only):
        route_clip(clip.pk)
    assert [queue_of(c) for c in (matched, wrong, reference_only)] == [
        "team",
        "general",
        "general",
    ]


def test_authentic_reference_match(team):
    rule(team, reference_match=True)
    reference, fake = ScoredClipFactory(), ScoredClipFactory()
    match(reference, kind=BankKind.REFERENCE)
    match(fake)
    route_clip(reference.pk), route_clip(fake.pk)
    assert (queue_of(reference), queue_of(fake)) == ("team", "general")


def test_suspicion_level_from_the_signals(team):
    rule(team, min_suspicion="conclusive")
    # A banked known fake is conclusive (dashboard.signals); a baseline score is a weak hint.
    conclusive, weak = ScoredClipFactory(), ScoredClipFactory()
    match(conclusive)
    DetectionRunFactory(clip=weak, scores=[0.9])
    route_clip(conclusive.pk), route_clip(weak.pk)
    assert (queue_of(conclusive), queue_of(weak)) == ("team", "general")


def test_platform_any_of_a_list_case_insensitive(team):
    rule(team, platforms="TikTok, youtube")
    tiktok, yt, other = (ScoredClipFactory(platform=p) for p in ("tiktok", "YouTube", "x"))
    for clip in (tiktok, yt, other):
        route_clip(clip.pk)
    assert [queue_of(c) for c in (tiktok, yt, other)] == ["team", "team", "general"]


def test_report_reason(team):
    rule(team, report_reason=ReportReason.NON_CONSENSUAL)
    ncii, deepfake = ScoredClipFactory(), ScoredClipFactory()
    file_report(ncii, None, reason=ReportReason.NON_CONSENSUAL)
    file_report(deepfake, None, reason=ReportReason.DEEPFAKE)
    assert (queue_of(ncii), queue_of(deepfake)) == ("team", "general")


def test_item_kind_photo(team):
    rule(team, item_kind="photo")
    photo = ScoredClipFactory(kind="photo", file="clips/ab/abc.jpg")
    video = ScoredClipFactory(file="clips/ab/abd.mp4")
    route_clip(photo.pk), route_clip(video.pk)
    assert (queue_of(photo), queue_of(video)) == ("team", "general")


def test_condition_registered_by_another_app(team):
    routing_conditions.register(
        "caption_mentions",
        RoutingCondition("caption_mentions", "Caption mentions", lambda c, word: word in c.caption),
    )
    try:
        rule(team, extra_conditions={"caption_mentions": "election"})
        hit, miss = ScoredClipFactory(caption="the election"), ScoredClipFactory(caption="cats")
        route_clip(hit.pk), route_clip(miss.pk)
        assert (queue_of(hit), queue_of(miss)) == ("team", "general")
    finally:
        routing_conditions.unregister("caption_mentions")
    # Once the app is gone its condition cannot hold: the rule stops matching.
    route_clip(hit.pk)
    assert queue_of(hit) == "general"


def test_every_condition_of_a_rule_must_hold(team):
    rule(team, min_reach=1000, platforms="tiktok")
    both, one = ScoredClipFactory(reach=5000, platform="tiktok"), ScoredClipFactory(reach=5000)
    route_clip(both.pk), route_clip(one.pk)
    assert (queue_of(both), queue_of(one)) == ("team", "general")


def test_first_matching_rule_in_order_wins_and_inactive_rules_are_skipped(team):
    other = Queue.objects.create(name="Other", slug="other")
    RoutingRule.objects.create(name="later", order=20, queue=team, min_reach=10)
    RoutingRule.objects.create(name="first", order=10, queue=other, min_reach=10)
    RoutingRule.objects.create(name="off", order=1, queue=team, min_reach=10, active=False)
    clip = ScoredClipFactory(reach=100)
    assert route_clip(clip.pk).rule.name == "first"
    assert queue_of(clip) == "other"


def test_seeded_queues_and_rules():
    assert list(Queue.objects.values_list("name", flat=True)) == [
        "Protected persons",
        "High reach",
        "Known fakes",
        "Photos",
        "General",
    ]
    assert [r.queue.slug for r in RoutingRule.objects.select_related("queue")] == [
        "protected-persons",
        "high-reach",
        "known-fakes",
        "photos",
    ]


def test_routed_when_scored_and_audited_once(team):
    rule(team, min_reach=10)
    clip = ScoredClipFactory(reach=100)
    announce(ClipEvent.CLIP_SCORED, clip.pk, {})
    announce(ClipEvent.CLIP_SCORED, clip.pk, {})
    assert queue_of(clip) == "team"
    routed = AuditEvent.objects.filter(clip=clip, action="queue.routed")
    assert [(e.data["from"], e.data["to"]) for e in routed] == [(None, "team")]


def test_rerouted_when_a_report_raises_the_reach(team):
    rule(team, min_reach=100_000)
    clip = ScoredClipFactory()
    route_clip(clip.pk)
    assert queue_of(clip) == "general"
    file_report(clip, None, reach=250_000)
    assert queue_of(clip) == "team"


def test_rerouted_when_a_person_is_tagged(team):
    rule(team, protected_person=True)
    PersonFactory(name="Famous Singer", protected=True)
    moderator = UserFactory(role=Role.MODERATOR)
    clip = claimed_clip(moderator)
    route_clip(clip.pk)
    add_person(clip.pk, moderator, "Famous Singer")
    assert queue_of(clip) == "team"


def test_rerouted_when_a_bank_match_arrives_and_when_it_is_marked_wrong(team):
    rule(team, known_fake_match=True)
    clip = ScoredClipFactory()
    route_clip(clip.pk)
    found = match(clip)
    # provenance.services.do_match_clip stores the match and refreshes the priority so.
    refresh_priority(clip)
    assert queue_of(clip) == "team"
    do_mark_match_wrong(found.pk, UserFactory(role=Role.SENIOR))
    assert queue_of(clip) == "general"


def test_decided_items_are_not_routed_again(team):
    rule(team, min_reach=10)
    clip = ScoredClipFactory(reach=100, status=ClipStatus.REMOVED)
    route_clip(clip.pk)
    assert Clip.objects.get(pk=clip.pk).queue_id is None


def test_admin_form_refuses_a_rule_without_conditions_or_with_an_unknown_one(team):
    from routing.admin import RoutingRuleForm

    base = {"name": "r", "order": 1, "active": True, "queue": team.pk, "extra_conditions": "{}"}
    empty = RoutingRuleForm(data=base)
    assert not empty.is_valid() and "at least one condition" in str(empty.errors)
    unknown = RoutingRuleForm(data={**base, "extra_conditions": '{"case_reach": 5}'})
    assert not unknown.is_valid() and "case_reach" in str(unknown.errors)
    ok = RoutingRuleForm(data={**base, "min_reach": "10", "platforms": "tiktok"})
    assert ok.is_valid(), ok.errors
