"""The review queue: which clips a person sees, filtered, in priority order, one page at a time.

Order is the rule documented in dashboard/priority.py (stored on `Clip.priority`), oldest first
among equals. Escalated clips belong to the seniors' escalations queue and never show in a
moderator's queue: the queue, its counts and its search read only what the one visibility
rule (`dashboard.access.visible_clips`) lets the person see. A page costs a fixed number of
queries whatever its size: the rows and their holders in one query, thumbnails, persons and
reports in one query each.

The SLA deadline (first report + hours for the clip's priority band, bands from teamwork.sla)
is answered here too, because the queue and the review page both show it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dashboard.access import visible_clips, visible_statuses
from dashboard.constants import FINAL_STATES, MODERATOR_QUEUE_STATES, ClipStatus, ReportReason
from dashboard.models import Clip, Decision, Person, Report
from detection.models import FaceCrop, RunStatus
from teamwork.sla import Band, band_for, configured_bands, deadline_for, with_deadline

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

    @property
    def caption(self) -> str:
        text = self.clip.caption
        return text if len(text) <= CAPTION_CHARS else text[: CAPTION_CHARS - 1] + "…"

    # The SLA bands, read once per page (teamwork.sla.configured_bands).
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
    page: Page
    rows: list[QueueRow]


def priority_band(priority: float, bands: list[Band] | None = None) -> str:
    """The clip's SLA band: admin-configured in teamwork.sla, the UNMASK_SLA_* settings else."""
    return band_for(priority, bands).name


def sla_deadline(
    first_reported_at: datetime, priority: float, bands: list[Band] | None = None
) -> datetime:
    """When the clip should be decided: its first report plus its priority band's hours."""
    return deadline_for(first_reported_at, priority, bands)


def _search(queryset: QuerySet[Clip], text: str) -> QuerySet[Clip]:
    text = text.strip()
    if not text:
        return queryset
    depicted = Clip.persons.through.objects.filter(
        clip_id=OuterRef("pk"), person__name__icontains=text
    )
    match = Q(caption__icontains=text) | Exists(depicted)
    compact = text.replace("-", "").lower()
    if compact and all(c in "0123456789abcdef" for c in compact) and len(compact) <= 32:
        # Short ids are the first hex digits of the public id.
        match |= Q(public_id__istartswith=compact)
    return queryset.filter(match)


def filter_clips(filters: QueueFilters, user: AbstractBaseUser) -> QuerySet[Clip]:
    """Clips matching `filters` among those `user` may list, in queue order."""
    allowed = visible_statuses(user)
    if filters.status:
        statuses: Sequence[str] = [filters.status] if filters.status in allowed else []
    elif filters.label:
        # Labels come from decisions, so a label search looks beyond the open queue.
        statuses = list(allowed)
    else:
        statuses = [s for s in MODERATOR_QUEUE_STATES if s in allowed]
    queryset = visible_clips(user).filter(status__in=statuses)
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
    if filters.platform:
        queryset = queryset.filter(platform__iexact=filters.platform)
    if filters.person.strip():
        queryset = queryset.filter(
            Exists(
                Clip.persons.through.objects.filter(
                    clip_id=OuterRef("pk"), person__name__icontains=filters.person.strip()
                )
            )
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
    queryset = _search(queryset, filters.q)
    if filters.sort == SORT_TIME_LEFT:
        # The deadline is computed in the same query (teamwork.sla), so the page size still
        # does not change the query count.
        return with_deadline(queryset).order_by("sla_deadline", "-priority", "created_at")
    return queryset.order_by("-priority", "created_at")


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
    "claimed_by__username",
)


def queue_page(
    filters: QueueFilters,
    user: AbstractBaseUser,
    page_number: int | str | None = 1,
    per_page: int = DEFAULT_PAGE_SIZE,
) -> QueuePage:
    """One page of the queue; the number of queries does not depend on `per_page`.

    Rows and holders come in one query; thumbnails, persons and reports of the page's clips in
    one query each, read as plain values (a 100-row page would otherwise spend most of its
    time building model instances it only reads three fields of).
    """
    if per_page not in PAGE_SIZES:
        per_page = DEFAULT_PAGE_SIZE
    queryset = filter_clips(filters, user).select_related("claimed_by").only(*ROW_FIELDS)
    page = Paginator(queryset, per_page).get_page(page_number)
    clips = list(page.object_list)
    ids = [clip.pk for clip in clips]
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
    reason_labels = {value: str(label) for value, label in ReportReason.choices}
    bands = configured_bands()
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
                sla_bands=bands,
            )
        )
    return QueuePage(page=page, rows=rows)


def status_counts(user: AbstractBaseUser) -> list[tuple[str, str, int]]:
    """(status, label, number of clips) for every status `user` may list, in workflow order.

    One plain COUNT(*) per status joined by UNION ALL: SQLite answers each from the status
    index, about three times faster than a GROUP BY over 100,000 clips (bench/queue.py).
    """
    allowed = visible_statuses(user)
    table = connection.ops.quote_name(Clip._meta.db_table)
    column = connection.ops.quote_name(Clip._meta.get_field("status").column)
    one = f"SELECT %s, COUNT(*) FROM {table} WHERE {column} = %s"  # noqa: S608 - names, not input
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join([one] * len(allowed)),
            [value for status in allowed for value in (status, status)],
        )
        counts = dict(cursor.fetchall())
    return [(s.value, s.label, counts.get(s.value, 0)) for s in ClipStatus if s.value in allowed]
