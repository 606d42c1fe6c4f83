"""The review queue: which clips a person sees, filtered, in priority order, one page at a time.

Order is the rule documented in dashboard/priority.py (stored on `Clip.priority`), oldest first
among equals, then by id. Pages are keyset pages (dashboard/keyset.py): a cursor, not a page
number, so the thousandth page costs what the first does. Escalated clips belong to the
seniors' escalations queue and never show in a moderator's queue: the queue and its search
read only what the one visibility rule (`dashboard.access.visible_clips`) lets the person see.
A page costs a fixed number
of queries whatever its size and however many clips there are: the page's ids from the order
index, the rows, their holders and their bank matches (the rows' badges, provenance.badges) in
one query, thumbnails, persons and reports in one query each; the tabs' totals come from counters
the database maintains (dashboard/counters.py), never a COUNT over clips, and a filtered total
is counted up to COUNT_CAP.

The queue switcher lists the routed queues (dashboard.queues) with their open items, one grouped
count over an index whatever the number of queues; `?queue=` narrows the listing to one.

The SLA deadline (first report + hours for the clip's priority band, bands from teamwork.sla,
per routed queue) is answered here too, because the queue and the review page both show it.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dashboard import counters, keyset
from dashboard.access import visible_clips, visible_statuses
from dashboard.constants import FINAL_STATES, MODERATOR_QUEUE_STATES, ClipStatus, ReportReason
from dashboard.keyset import Key
from dashboard.models import GENERAL_QUEUE, Clip, Decision, Person, Queue, Report
from dashboard.queues import counts_by_queue, display_name, queue_counts, queues_for, worked_queues
from dashboard.search import clip_search, person_matches
from detection.models import FaceCrop, RunStatus
from provenance.badges import MatchBadges, match_badges, with_match_badges
from teamwork.sla import (
    Band,
    QueueBands,
    band_for,
    bands_by_queue,
    bands_of,
    deadline_for,
    with_deadline,
)

PAGE_SIZES = (25, 50, 100)
SORT_TIME_LEFT = "time_left"
SORTS = (("", _("Priority")), (SORT_TIME_LEFT, _("Time left (SLA)")))
CAPTION_CHARS = 80
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]

# Score bands over the active detector's clip score: (lower bound inclusive, upper exclusive).
SCORE_BANDS: dict[str, tuple[str | Promise, float | None, float | None]] = {
    "high": (_("High (0.8 and above)"), 0.8, None),
    "medium": (_("Medium (0.5 to 0.8)"), 0.5, 0.8),
    "low": (_("Low (below 0.5)"), None, 0.5),
    "unscored": (_("Not scored yet"), None, None),
}


@dataclass(frozen=True)
class QueueFilters:
    """What the person asked to see; every field empty means the default open queue."""

    status: str = ""
    score_band: str = ""
    label: str = ""
    platform: str = ""
    person: str = ""
    reason: str = ""
    received_from: date | None = None
    received_to: date | None = None
    q: str = ""
    sort: str = ""  # "" = priority order; "time_left" = nearest SLA deadline first
    queue: str = ""  # a routed queue's slug (dashboard.queues); "" = every queue


@dataclass
class QueueRow:
    """One clip as a queue row: the clip plus what the row shows about its reports."""

    clip: Clip
    persons: list[Person] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    report_count: int = 0
    first_reported_at: datetime | None = None
    thumb_crop_id: int | None = None
    url: str = ""
    thumb_url: str = ""
    # Bank matches as badges: known fake (with the banked decision), authentic source.
    matches: MatchBadges | None = None

    @property
    def protected_person(self) -> bool:
        return any(person.protected for person in self.persons)

    @property
    def two_person_pending(self) -> bool:
        """A decision waits for a second moderator (the two-person rule holds the clip)."""
        return self.clip.status == ClipStatus.AWAITING_CONFIRM

    @property
    def caption(self) -> str:
        text = self.clip.caption
        return text if len(text) <= CAPTION_CHARS else text[: CAPTION_CHARS - 1] + "…"

    # The SLA bands of the clip's queue, read once per page (teamwork.sla.bands_by_queue).
    sla_bands: list[Band] | None = None

    @property
    def sla_running(self) -> bool:
        """Whether the clip still has a deadline (it is not decided)."""
        return self.clip.status not in FINAL_STATES

    @property
    def sla_deadline(self) -> datetime:
        return sla_deadline(
            self.first_reported_at or self.clip.created_at, self.clip.priority, self.sla_bands
        )


@dataclass(frozen=True)
class QueuePage:
    """One keyset page: its rows, the listing's total and the cursor of the next page."""

    rows: list[QueueRow]
    total: int
    # True when `total` is a floor: a filtered listing is counted up to COUNT_CAP matches.
    total_capped: bool = False
    next_cursor: str = ""  # "" on the last page
    first: bool = True
    # (status, label, clips) for the tabs, read with the total from the same counters.
    status_counts: list[tuple[str, str, int]] = field(default_factory=list)
    # The queue switcher: every routed queue with its open items (queue_tabs).
    queue_tabs: list["QueueTab"] = field(default_factory=list)


@dataclass(frozen=True)
class QueueTab:
    """One queue on the switcher: open items (awaiting or in review), and whether *Next clip*
    serves the person from it (dashboard.queues.worked_queues)."""

    slug: str
    name: str
    count: int
    worked: bool


def queue_tabs(user: AbstractBaseUser) -> list[QueueTab]:
    """Every queue with its count; two queries whatever the number of queues or clips."""
    queues = queues_for(user)
    counts = counts_by_queue(queues, queue_counts())
    worked = {q.pk for q in worked_queues(user, queues)}
    return [QueueTab(q.slug, display_name(q), counts[q.pk], q.pk in worked) for q in queues]


def priority_band(priority: float, bands: list[Band] | None = None) -> str:
    """The clip's SLA band: admin-configured in teamwork.sla, the UNMASK_SLA_* settings else."""
    return band_for(priority, bands).name


def sla_deadline(
    first_reported_at: datetime, priority: float, bands: list[Band] | None = None
) -> datetime:
    """When the clip should be decided: its first report plus its priority band's hours."""
    return deadline_for(first_reported_at, priority, bands)


def slug_in_queue(slug: str) -> Q:
    """Clips in the queue `slug` (General holds the clips not routed yet), without a join."""
    condition = Q(queue_id__in=Queue.objects.filter(slug=slug).values("pk"))
    if slug == GENERAL_QUEUE:
        condition |= Q(queue__isnull=True)
    return condition


def _search(queryset: QuerySet[Clip], text: str) -> QuerySet[Clip]:
    text = text.strip()
    if not text:
        return queryset
    # Caption through the trigram index, person names, short ids (dashboard/search.py).
    return queryset.filter(clip_search(text))


def queue_statuses(filters: QueueFilters, user: AbstractBaseUser) -> list[str]:
    """The statuses a queue listing covers for `user` under `filters`."""
    allowed = visible_statuses(user)
    if filters.status:
        return [filters.status] if filters.status in allowed else []
    if filters.label:
        # Labels come from decisions, so a label search looks beyond the open queue.
        return list(allowed)
    return [s for s in MODERATOR_QUEUE_STATES if s in allowed]


def _matching(filters: QueueFilters, user: AbstractBaseUser) -> QuerySet[Clip]:
    """Clips `user` may read (dashboard.access) matching every filter but the status."""
    queryset = visible_clips(user)
    if filters.score_band in SCORE_BANDS:
        _label, low, high = SCORE_BANDS[filters.score_band]
        if filters.score_band == "unscored":
            queryset = queryset.filter(score__isnull=True)
        if low is not None:
            queryset = queryset.filter(score__gte=low)
        if high is not None:
            queryset = queryset.filter(score__lt=high)
    if filters.label:
        queryset = queryset.filter(
            Exists(
                Decision.labels.through.objects.filter(
                    decision__clip_id=OuterRef("pk"), label__slug=filters.label
                )
            )
        )
    if filters.queue:
        queryset = queryset.filter(slug_in_queue(filters.queue))
    if filters.platform:
        queryset = queryset.filter(platform__iexact=filters.platform)
    if filters.person.strip():
        queryset = queryset.filter(
            pk__in=Clip.persons.through.objects.filter(
                person_id__in=person_matches(filters.person.strip())
            ).values("clip_id")
        )
    if filters.reason:
        queryset = queryset.filter(
            Exists(Report.objects.filter(clip_id=OuterRef("pk"), reason=filters.reason))
        )
    tz = timezone.get_current_timezone()
    if filters.received_from:
        start = datetime.combine(filters.received_from, datetime.min.time(), tzinfo=tz)
        queryset = queryset.filter(created_at__gte=start)
    if filters.received_to:
        end = datetime.combine(filters.received_to, datetime.min.time(), tzinfo=tz)
        queryset = queryset.filter(created_at__lt=end + timedelta(days=1))
    return _search(queryset, filters.q)


# The queue's orders, each ending in the primary key so a keyset page has one position.
PRIORITY_ORDER = (Key("priority", descending=True), Key("created_at"), Key("id"))
TIME_LEFT_ORDER = (Key("sla_deadline"), *PRIORITY_ORDER)


def queue_order(filters: QueueFilters) -> tuple[Key, ...]:
    return TIME_LEFT_ORDER if filters.sort == SORT_TIME_LEFT else PRIORITY_ORDER


def filter_clips(filters: QueueFilters, user: AbstractBaseUser) -> QuerySet[Clip]:
    """Clips matching `filters` among those `user` may list, in queue order."""
    queryset = _matching(filters, user).filter(status__in=queue_statuses(filters, user))
    if filters.sort == SORT_TIME_LEFT:
        # The deadline is computed in the same query (teamwork.sla), so the page size still
        # does not change the query count.
        queryset = with_deadline(queryset)
    return queryset.order_by(*keyset.order_by(queue_order(filters)))


def _page_ids(
    filters: QueueFilters,
    user: AbstractBaseUser,
    position: list | None,
    size: int,
    bands: QueueBands,
) -> list[int]:
    """The ids of one page (plus one, to know whether another follows), in queue order.

    In priority order each status is read on its own through the (status, -priority,
    created_at, id) index from the cursor on, `size` rows at most, and the branches are merged:
    an IN over several statuses cannot walk that index in order, so SQLite and PostgreSQL would
    otherwise sort every open clip for each page. A search reads its matches through its own
    indexes and sorts them in one query. The time-left order is computed per clip (the SLA
    bands), so it reads every matching clip whatever the pagination.
    """
    order = queue_order(filters)
    statuses = queue_statuses(filters, user)
    if not statuses:
        return []
    base = _matching(filters, user)
    if filters.sort == SORT_TIME_LEFT or filters.q.strip():
        # A search's matches are few and come from their own indexes (dashboard/search.py):
        # one query sorting them beats walking the order index once per status.
        base = base.filter(status__in=statuses)
        if filters.sort == SORT_TIME_LEFT:
            base = with_deadline(base, bands)
        if position is not None:
            base = base.filter(keyset.after(order, position))
        return list(base.order_by(*keyset.order_by(order)).values_list("pk", flat=True)[:size])
    fields = [key.field for key in order]
    parts, params = [], []
    for status in statuses:
        branch = base.filter(status=status)
        if position is not None:
            branch = branch.filter(keyset.after(order, position))
        branch = branch.order_by(*keyset.order_by(order)).values_list(*fields)[:size]
        sql, branch_params = branch.query.get_compiler(branch.db).as_sql()
        parts.append(f"SELECT * FROM ({sql}) AS s{len(parts)}")  # noqa: S608 - compiled ORM SQL
        params.extend(branch_params)
    if len(parts) == 1:
        sql = parts[0]
    else:
        # Django refuses LIMIT inside a UNION's parts on SQLite, so the merge is written here.
        quote = connection.ops.quote_name
        outer = ", ".join(
            quote(key.field) + (" DESC" if key.descending else " ASC") for key in order
        )
        sql = " UNION ALL ".join(parts) + f" ORDER BY {outer} LIMIT {int(size)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[-1] for row in cursor.fetchall()]


def _thumbnails(clip_ids: list[int]) -> dict[int, int]:
    """Clip id -> its best face crop from the active detector's run: the rows' thumbnails.

    A query of its own for the page's clips: as a correlated subquery in the rows' query,
    SQLite would evaluate it for every matching clip before sorting them.
    """
    best: dict[int, int] = {}
    for clip_id, crop_id in (
        FaceCrop.objects.filter(
            run__clip_id__in=clip_ids, run__model__is_active=True, run__status=RunStatus.DONE
        )
        .order_by("run__clip_id", "rank")
        .values_list("run__clip_id", "pk")
    ):
        best.setdefault(clip_id, crop_id)
    return best


# What a queue row shows of a clip; the rest of the row stays in the database.
ROW_FIELDS = (
    "id",
    "public_id",
    "kind",
    "original_filename",
    "caption",
    "platform",
    "status",
    "score",
    "priority",
    "scoring_done",
    "scoring_total",
    "failure_reason",
    "created_at",
    "queue",
    "claimed_by__username",
)


# Above this many matches a filtered list says "more than" instead of counting them all.
COUNT_CAP = 1000


def queue_page(
    filters: QueueFilters,
    user: AbstractBaseUser,
    cursor: str | None = None,
    per_page: int = DEFAULT_PAGE_SIZE,
) -> QueuePage:
    """One page of the queue from `cursor` on; neither the page size nor the number of clips
    changes the number of queries.

    The page's ids come from the index (`_page_ids`); rows and holders in one query;
    thumbnails, persons and reports of the page's clips in one query each, read as plain values
    (a 100-row page would otherwise spend most of its time building model instances it only
    reads three fields of); the total from the status counters or a capped count.
    """
    if per_page not in PAGE_SIZES:
        per_page = DEFAULT_PAGE_SIZE
    order = queue_order(filters)
    position = keyset.decode(cursor, len(order))
    # The SLA bands, read once for the page: the time-left order, its deadlines and the rows.
    bands = bands_by_queue()
    ids = _page_ids(filters, user, position, per_page + 1, bands)
    has_next, ids = len(ids) > per_page, ids[:per_page]
    queryset = with_match_badges(
        Clip.objects.filter(pk__in=ids).select_related("claimed_by").only(*ROW_FIELDS)
    )
    if filters.sort == SORT_TIME_LEFT:
        queryset = with_deadline(queryset, bands)
    by_id = {clip.pk: clip for clip in queryset}
    clips = [by_id[pk] for pk in ids if pk in by_id]
    thumbnails = _thumbnails(ids)
    persons: dict[int, list[Person]] = {pk: [] for pk in ids}
    for clip_id, person_id, name, protected in Clip.persons.through.objects.filter(
        clip_id__in=ids
    ).values_list("clip_id", "person_id", "person__name", "person__protected"):
        persons[clip_id].append(Person(pk=person_id, name=name, protected=protected))
    reports: dict[int, list[tuple[str, datetime]]] = {pk: [] for pk in ids}
    for clip_id, reason, created_at in (
        Report.objects.filter(clip_id__in=ids)
        .order_by("created_at")
        .values_list("clip_id", "reason", "created_at")
    ):
        reports[clip_id].append((reason, created_at))
    badges = match_badges(clips)
    reason_labels = {value: str(label) for value, label in ReportReason.choices}
    rows = []
    for clip in clips:
        clip_reports = reports[clip.pk]
        rows.append(
            QueueRow(
                clip=clip,
                persons=sorted(persons[clip.pk], key=lambda p: p.name),
                reasons=list(dict.fromkeys(reason_labels.get(r, r) for r, _at in clip_reports)),
                report_count=len(clip_reports),
                first_reported_at=clip_reports[0][1] if clip_reports else None,
                thumb_crop_id=thumbnails.get(clip.pk),
                sla_bands=bands_of(bands, clip.queue_id),
                matches=badges.get(clip.pk),
            )
        )
    counts = counters.status_counts()
    total, capped = queue_total(filters, user, counts)
    return QueuePage(
        status_counts=status_counts(user, counts),
        queue_tabs=queue_tabs(user),
        rows=rows,
        total=total,
        total_capped=capped,
        next_cursor=keyset.encode(keyset.row_key(order, clips[-1])) if has_next else "",
        first=position is None,
    )


def queue_total(
    filters: QueueFilters, user: AbstractBaseUser, counts: dict[str, int] | None = None
) -> tuple[int, bool]:
    """How many clips the listing holds, and whether that is a floor ("more than").

    Without filters beyond the status it is the sum of the maintained per-status counters
    (exact, no rows read); with filters the matches are counted up to COUNT_CAP + 1.
    """
    statuses = queue_statuses(filters, user)
    if replace(filters, status="", sort="") == QueueFilters():
        counts = counters.status_counts() if counts is None else counts
        return sum(counts.get(s, 0) for s in statuses), False
    matches = _matching(filters, user).filter(status__in=statuses).order_by()
    found = matches.values("pk")[: COUNT_CAP + 1].count()
    return min(found, COUNT_CAP), found > COUNT_CAP


def status_counts(
    user: AbstractBaseUser, counts: dict[str, int] | None = None
) -> list[tuple[str, str, int]]:
    """(status, label, number of clips) for every status `user` may list, in workflow order.

    Read from the counters the database keeps as clips change (dashboard/counters.py): one
    query over a handful of rows, whether the desk holds a thousand clips or a million.
    """
    allowed = visible_statuses(user)
    counts = counters.status_counts() if counts is None else counts
    return [(s.value, s.label, counts.get(s.value, 0)) for s in ClipStatus if s.value in allowed]
