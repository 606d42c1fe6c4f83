"""Cases form from bank matches: the same entry, each other, the same authentic reference;
seniors add and remove copies (audited); a case's reach is its copies' sum."""

import pytest

from dashboard.models import AuditEvent
from provenance import services
from provenance.cases import (
    CaseError,
    add_to_case,
    case_of,
    case_reach,
    case_reach_for_clip,
    join_case_from_matches,
    remove_from_case,
)
from provenance.models import BankEntry, BankKind, BankMatch, Case, EntrySource, HashBank
from tests.factories import ClipFactory, ScoredClipFactory
from tests.provenance.conftest import decide, stored_clip

pytestmark = pytest.mark.django_db


def _entry(kind: str = BankKind.KNOWN_FAKE, clip=None, title: str = "") -> BankEntry:
    bank, _ = HashBank.objects.get_or_create(name=f"bank-{kind}", defaults={"kind": kind})
    source = EntrySource.REFERENCE if kind == BankKind.REFERENCE else EntrySource.DECISION
    return BankEntry.objects.create(
        bank=bank, source=source, clip=clip, frame_hashes=b"", title=title
    )


def _match(clip, entry, share: float = 0.8, wrong: bool = False) -> list[BankMatch]:
    match = BankMatch.objects.create(
        clip=clip,
        entry=entry,
        query_share=share,
        bank_share=share,
        best_distance=10,
        matched_frames=20,
    )
    if wrong:
        match.marked_wrong_at = match.matched_at
        match.save()
    return [match]


def test_clips_matching_the_same_entry_form_one_case():
    entry = _entry(title="The fake speech")
    first, second = ScoredClipFactory(), ScoredClipFactory()
    case = join_case_from_matches(first, _match(first, entry))
    assert join_case_from_matches(second, _match(second, entry)) == case
    assert case_of(first) == case_of(second) == case and str(case) == "The fake speech"
    # Idempotent: matching again changes nothing.
    assert join_case_from_matches(first, BankMatch.objects.filter(clip=first)) == case
    assert Case.objects.count() == 1 and case.members.count() == 2
    assert AuditEvent.objects.filter(action="case.joined").count() == 2


def test_a_clip_matching_a_banked_clip_joins_it():
    """One copy was decided and banked; another matches its entry: they match each other."""
    banked_from = ScoredClipFactory()
    entry = _entry(clip=banked_from)
    copy = ScoredClipFactory()
    case = join_case_from_matches(copy, _match(copy, entry))
    assert case_of(banked_from) == case_of(copy) == case


def test_copies_of_the_same_authentic_reference_form_a_case():
    reference = _entry(kind=BankKind.REFERENCE)
    a, b = ScoredClipFactory(), ScoredClipFactory()
    join_case_from_matches(a, _match(a, reference))
    join_case_from_matches(b, _match(b, reference))
    assert case_of(a) == case_of(b) is not None


def test_a_clip_matching_two_cases_merges_them_into_the_older():
    left, right = _entry(), _entry()
    a, b, bridge = ScoredClipFactory(), ScoredClipFactory(), ScoredClipFactory()
    older = join_case_from_matches(a, _match(a, left))
    join_case_from_matches(b, _match(b, right))
    assert Case.objects.count() == 2
    matches = _match(bridge, left) + _match(bridge, right)
    assert join_case_from_matches(bridge, matches) == older
    assert Case.objects.count() == 1
    assert {case_of(c) for c in (a, b, bridge)} == {older}
    assert set(older.entries.all()) == {left, right}
    assert AuditEvent.objects.filter(action="case.merged", clip=b).exists()


def test_a_match_marked_wrong_forms_nothing():
    clip = ScoredClipFactory()
    assert join_case_from_matches(clip, _match(clip, _entry(), wrong=True)) is None
    assert case_of(clip) is None


def test_seniors_add_and_remove_copies_audited_and_matching_respects_a_removal(senior, moderator):
    entry = _entry()
    copy, stranger = ScoredClipFactory(), ScoredClipFactory()
    case = join_case_from_matches(copy, _match(copy, entry))
    with pytest.raises(CaseError) as refused:
        add_to_case(case.pk, stranger.pk, moderator)
    assert refused.value.status == 403
    add_to_case(case.pk, stranger.pk, senior)
    assert case_of(stranger) == case
    assert AuditEvent.objects.get(action="case.added", clip=stranger).actor == senior
    with pytest.raises(CaseError):
        remove_from_case(case.pk, copy.pk, senior, "  ")
    remove_from_case(case.pk, copy.pk, senior, "A parody, not a copy")
    assert case_of(copy) is None
    event = AuditEvent.objects.get(action="case.removed", clip=copy)
    assert event.actor == senior and event.data["reason"] == "A parody, not a copy"
    # The matching task never puts a removed copy back on its own.
    assert join_case_from_matches(copy, BankMatch.objects.filter(clip=copy)) is None
    assert case_of(copy) is None
    # A senior may.
    add_to_case(case.pk, copy.pk, senior)
    assert case_of(copy) == case


def test_case_reach_is_the_sum_of_its_copies_reach():
    entry = _entry()
    clips = [ScoredClipFactory(reach=r) for r in (1_000, 250_000, None)]
    for clip in clips:
        case = join_case_from_matches(clip, _match(clip, entry))
    assert case_reach(case) == 251_000
    assert case_reach_for_clip(clips[2]) == 251_000
    assert case_reach_for_clip(ClipFactory()) is None


def test_the_matching_task_builds_the_case(moderator, fake_original, fake_reupload):
    original = stored_clip(fake_original)
    entry = services.do_bank_decision(decide(original, moderator).pk)
    reupload = stored_clip(fake_reupload)
    services.do_match_clip(reupload.pk)
    case = case_of(reupload)
    assert case is not None and case_of(original) == case
    assert list(case.entries.all()) == [entry]
