"""Cases: one fabrication, many copies — which clips are copies of the same thing.

A case is built incrementally by the matching task (`do_match_clip` calls
`join_case_from_matches` inside its transaction): a clip that matches banked entries joins the
case those entries define, and so does the clip an entry was banked from (the two match each
other); a clip matching entries of two cases merges them into the older one. Matches marked
wrong or to quarantined entries never join anything. Every join, merge, addition and removal is
audited on the clip (`case.*` events).

A senior moderator may add a clip to a case or remove one from it (`add_to_case`,
`remove_from_case`); a removed clip keeps its membership row, marked removed, so matching never
puts it back on its own (a senior may add it again).

`case_reach` is the sum of the copies' stated reach: other apps (routing, the two-person rule)
read it through `case_reach_for_clip` without knowing how cases are kept. A change of
membership is a change of fact for the copies (`refresh_priority`, whose listeners re-route the
case's copies: routing.cases); a join by matching is told by the matching task's own refresh.
Deciding a case is teamwork's (`teamwork.cases`), through the one decision writer.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from dashboard import keyset
from dashboard.constants import UNDECIDED_STATES, ClipStatus
from dashboard.errors import ServiceError
from dashboard.models import Clip, Decision
from dashboard.priority import refresh_priority
from dashboard.roles import is_senior
from dashboard.workflow import record_event
from provenance.models import BankEntry, BankMatch, Case, CaseMember, CaseSource

ACTOR = "task:provenance.cases"
# A match's share: the larger of the clip's and the entry's (BankMatch.share, in SQL).
_SHARE = Greatest(F("query_share"), F("bank_share"), output_field=FloatField())


class CaseError(ServiceError):
    """A refused change to a case."""

    default_status = 409


def active_members(case: Case) -> QuerySet[CaseMember]:
    return CaseMember.objects.filter(case=case, removed_at__isnull=True)


def case_of(clip: Clip | int) -> Case | None:
    """The case `clip` is a copy in, if any (removed copies are in none)."""
    clip_id = clip if isinstance(clip, int) else clip.pk
    member = (
        CaseMember.objects.filter(clip_id=clip_id, removed_at__isnull=True)
        .select_related("case")
        .first()
    )
    return member.case if member else None


def case_reach(case: Case) -> int:
    """The case's reach: the sum of its copies' stated reach (0 when none stated any)."""
    total = active_members(case).aggregate(total=Sum("clip__reach"))["total"]
    return int(total or 0)


def case_reach_for_clip(clip: Clip | int) -> int | None:
    """The reach of the case `clip` is in, or None when it is in none — for routing rules and
    any other app that weighs a clip by the fabrication it copies (one query)."""
    clip_id = clip if isinstance(clip, int) else clip.pk
    case_ids = CaseMember.objects.filter(clip_id=clip_id, removed_at__isnull=True).values("case_id")
    row = CaseMember.objects.filter(case_id__in=case_ids, removed_at__isnull=True).aggregate(
        members=Count("pk"), total=Sum("clip__reach")
    )
    if not row["members"]:
        return None
    return int(row["total"] or 0)


def _join(case: Case, clip_id: int, *, source: str, user: AbstractBaseUser | None) -> bool:
    """Put `clip_id` in `case` unless it is in a case already or was removed from one."""
    member, created = CaseMember.objects.get_or_create(
        clip_id=clip_id,
        defaults={"case": case, "source": source, "added_by": user},
    )
    if not created:
        return False
    record_event(
        Clip.objects.get(pk=clip_id),
        "case.joined",
        actor=user,
        actor_label="" if user is not None else ACTOR,
        data={"case": str(case.public_id), "source": source},
    )
    return True


def _merge(into: Case, other: Case) -> None:
    """Move `other`'s copies and entries into `into` (the older case), then drop `other`."""
    moved = list(CaseMember.objects.filter(case=other).select_related("clip"))
    CaseMember.objects.filter(case=other).update(case=into)
    into.entries.add(*other.entries.all())
    for member in moved:
        record_event(
            member.clip,
            "case.merged",
            actor_label=ACTOR,
            data={"case": str(into.public_id), "from_case": str(other.public_id)},
        )
    other.delete()


def join_case_from_matches(clip: Clip, matches: Iterable[BankMatch]) -> Case | None:
    """The matching task's step: put `clip` (and the clips its matched entries were banked
    from) in the case of those entries, creating or merging cases as needed; idempotent.

    Call inside the matching transaction. Returns the clip's case, or None when it matched
    nothing usable or a senior removed it from its case.
    """
    entries = [
        m.entry for m in matches if m.marked_wrong_at is None and m.entry.quarantined_at is None
    ]
    if not entries:
        return None
    membership = CaseMember.objects.filter(clip=clip).select_related("case").first()
    if membership is not None and membership.removed_at is not None:
        return None  # a senior took it out: matching does not put it back
    entry_ids = [entry.pk for entry in entries]
    banked_from = [entry.clip_id for entry in entries if entry.clip_id is not None]
    cases = set(Case.objects.filter(entries__pk__in=entry_ids))
    cases |= {
        m.case
        for m in CaseMember.objects.filter(
            clip_id__in=banked_from, removed_at__isnull=True
        ).select_related("case")
    }
    if membership is not None:
        cases.add(membership.case)
    if cases:
        ordered = sorted(cases, key=lambda c: (c.created_at, c.pk))
        case = ordered[0]
        for other in ordered[1:]:
            _merge(case, other)
    else:
        case = Case.objects.create(title=_title_for(entries))
    case.entries.add(*entries)
    _join(case, clip.pk, source=CaseSource.MATCH, user=None)
    for clip_id in banked_from:
        _join(case, clip_id, source=CaseSource.MATCH, user=None)
    return case


def _title_for(entries: list[BankEntry]) -> str:
    entry = entries[0]
    if entry.title:
        return entry.title[:200]
    return f"{entry.bank.name} #{entry.pk}"[:200]


def _check_senior(user: AbstractBaseUser) -> None:
    if not is_senior(user):
        raise CaseError("forbidden", "Only senior moderators change cases.", 403)


def add_to_case(case_id: int, clip_id: int, user: AbstractBaseUser) -> CaseMember:
    """A senior puts a clip in a case (taking it out of any other case it was in); audited."""
    _check_senior(user)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        member = CaseMember.objects.filter(clip=clip).select_related("case").first()
        if member is not None and member.case_id == case.pk and member.removed_at is None:
            raise CaseError("already_in_case", f"Clip {clip.short_id} is in this case already.")
        data: dict[str, object] = {"case": str(case.public_id), "source": CaseSource.SENIOR}
        left_case = member.case_id if member is not None and member.removed_at is None else None
        if member is None:
            member = CaseMember.objects.create(
                case=case, clip=clip, source=CaseSource.SENIOR, added_by=user
            )
        else:
            if member.removed_at is None:
                data["from_case"] = str(member.case.public_id)
            member.case = case
            member.source = CaseSource.SENIOR
            member.added_by = user
            member.added_at = timezone.now()
            member.removed_at = None
            member.removed_by = None
            member.save()
        record_event(clip, "case.added", actor=user, data=data)
        _case_changed(clip, left_case)
    return member


def _case_changed(clip: Clip, left_case: int | None) -> None:
    """Tell the apps weighing a case's reach that `clip` joined or left a case: its own facts
    changed, and so did those of the case it left (told through one remaining copy)."""
    refresh_priority(clip)
    if left_case is None:
        return
    remaining = (
        Clip.objects.filter(case_membership__case_id=left_case, case_membership__removed_at=None)
        .order_by("pk")
        .first()
    )
    if remaining is not None:
        refresh_priority(remaining)


def remove_from_case(case_id: int, clip_id: int, user: AbstractBaseUser, reason: str) -> CaseMember:
    """A senior takes a clip out of a case (it is not a copy of it); audited with the reason."""
    _check_senior(user)
    reason = reason.strip()
    if not reason:
        raise CaseError("reason_required", "Say why this clip is not a copy.", 400)
    with transaction.atomic():
        member = (
            CaseMember.objects.select_for_update()
            .select_related("clip", "case")
            .filter(case_id=case_id, clip_id=clip_id, removed_at__isnull=True)
            .first()
        )
        if member is None:
            raise CaseError("not_in_case", "That clip is not a copy in this case.", 404)
        member.removed_at = timezone.now()
        member.removed_by = user
        member.save(update_fields=["removed_at", "removed_by"])
        record_event(
            member.clip,
            "case.removed",
            actor=user,
            data={"case": str(member.case.public_id), "reason": reason[:500]},
        )
        _case_changed(member.clip, member.case_id)
    return member


# --- what the case page shows -----------------------------------------------------------------


@dataclass(frozen=True)
class StrongestEvidence:
    """The closest match any copy has to one of the case's banked entries."""

    clip: Clip
    entry: BankEntry
    share: float
    best_distance: int
    transform: str


def case_copies(case: Case) -> QuerySet[Clip]:
    """Every copy in the case, in the order they appeared, with its uploader, its last
    decision's action and its best match share: a fixed number of queries, whatever its size."""
    last_decision = Decision.objects.filter(clip=OuterRef("pk")).order_by("-created_at", "-pk")
    best_share = (
        BankMatch.objects.filter(
            clip=OuterRef("pk"),
            marked_wrong_at__isnull=True,
            entry__quarantined_at__isnull=True,
        )
        .annotate(
            share_value=Greatest(F("query_share"), F("bank_share"), output_field=FloatField())
        )
        .order_by("-share_value")
        .values("share_value")[:1]
    )
    return (
        Clip.objects.filter(case_membership__case=case, case_membership__removed_at__isnull=True)
        .select_related("account")
        # Only what the page shows: a case of hundreds of copies converts no other column.
        .only(
            "public_id",
            "platform",
            "reach",
            "status",
            "created_at",
            "account__id",
            "account__handle",
            "account__account_id",
        )
        .annotate(
            last_action=Subquery(last_decision.values("action")[:1]),
            best_share=Subquery(best_share),
        )
        .order_by("created_at", "pk")
    )


def strongest_evidence(case: Case) -> StrongestEvidence | None:
    """The case's strongest evidence: the copy closest to a banked entry (one query)."""
    match = (
        BankMatch.objects.filter(
            clip__case_membership__case=case,
            clip__case_membership__removed_at__isnull=True,
            marked_wrong_at__isnull=True,
            entry__quarantined_at__isnull=True,
        )
        .select_related("clip", "entry", "entry__bank")
        .annotate(
            share_value=Greatest(F("query_share"), F("bank_share"), output_field=FloatField())
        )
        .order_by("-share_value", "best_distance", "pk")
        .first()
    )
    if match is None:
        return None
    return StrongestEvidence(
        clip=match.clip,
        entry=match.entry,
        share=match.share,
        best_distance=match.best_distance,
        transform=match.transform,
    )


@dataclass(frozen=True)
class CaseSummary:
    copies: int
    reach: int
    first_seen: object
    last_seen: object


def case_summary(case: Case) -> CaseSummary:
    """Copies, reach and when the first and latest copies appeared (one query)."""
    row = active_members(case).aggregate(
        copies=Count("pk"),
        reach=Sum("clip__reach"),
        first=Min("clip__created_at"),
        last=Max("clip__created_at"),
    )
    return CaseSummary(
        copies=row["copies"],
        reach=int(row["reach"] or 0),
        first_seen=row["first"],
        last_seen=row["last"],
    )


# --- the list of open cases ---------------------------------------------------------------------

CASE_LIST_KEYS = (keyset.Key("created_at", descending=True), keyset.Key("id", descending=True))


def _member_subquery(value: Any, **filters: Any) -> Subquery:
    """A correlated count or sum over a case's active copies: computed only for the rows of the
    page the database returns, never as a GROUP BY over every case."""
    return Subquery(
        CaseMember.objects.filter(case=OuterRef("pk"), removed_at__isnull=True, **filters)
        .order_by()
        .values("case")
        .annotate(value=value)
        .values("value")[:1]
    )


def cases_with_totals(queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases annotated with `copy_total`, `reach_total` and the copies per status group:
    `open_total` (undecided), `removed_total`, `labelled_total`, `approved_total`."""
    cases = Case.objects.all() if queryset is None else queryset
    return cases.annotate(
        copy_total=Coalesce(_member_subquery(Count("pk")), 0),
        reach_total=Coalesce(_member_subquery(Sum("clip__reach")), 0),
        open_total=Coalesce(_member_subquery(Count("pk"), clip__status__in=UNDECIDED_STATES), 0),
        removed_total=Coalesce(_member_subquery(Count("pk"), clip__status=ClipStatus.REMOVED), 0),
        labelled_total=Coalesce(_member_subquery(Count("pk"), clip__status=ClipStatus.LABELED), 0),
        approved_total=Coalesce(_member_subquery(Count("pk"), clip__status=ClipStatus.APPROVED), 0),
    )


def open_cases() -> QuerySet[Case]:
    """Cases with at least one undecided copy, newest first, with their totals."""
    has_open = CaseMember.objects.filter(
        case=OuterRef("pk"), removed_at__isnull=True, clip__status__in=UNDECIDED_STATES
    )
    return cases_with_totals(Case.objects.filter(Exists(has_open))).order_by(
        *keyset.order_by(CASE_LIST_KEYS)
    )


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    next_cursor: str  # "" on the last page
    first: bool


CASE_PAGE_SIZE = 50


def open_cases_page(cursor: str | None, size: int = CASE_PAGE_SIZE) -> CasePage:
    """One keyset page of `open_cases` after `cursor` (a cursor not ours opens the first)."""
    position = keyset.decode(cursor, len(CASE_LIST_KEYS))
    cases = open_cases()
    if position is not None:
        cases = cases.filter(keyset.after(CASE_LIST_KEYS, position))
    rows = list(cases[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    next_cursor = keyset.encode(keyset.row_key(CASE_LIST_KEYS, rows[-1])) if has_next else ""
    return CasePage(cases=rows, next_cursor=next_cursor, first=position is None)
