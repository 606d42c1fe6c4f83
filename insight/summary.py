"""The team dashboard's per-hour summary: how it is rebuilt, and how a date range reads it.

Five tables (insight.models) hold the dashboard's counts per UTC hour: clips arrived and decided
per platform (ClipHour), decided clips per time-to-decision bucket (WaitHour), decisions and
overturns per moderator and action (DecisionHour), labels applied (LabelHour) and persons
depicted (PersonHour). A 60-day range then adds up a few thousand summary rows instead of
reading 100,000 clips and decisions.

Exact, not eventually right. Database triggers (insight.triggers) append a StaleHour row for
every hour whose rows change, whatever the writer. `refresh_summary` (the Celery beat task
`insight.tasks.refresh_dashboard_summary`, every minute) rebuilds those hours from the desk's
rows and deletes exactly the StaleHour rows it read, in one transaction. A date range is read as
`Split` describes: summary rows for the whole UTC hours inside the range that are not stale,
plus the desk's own rows for the partial hours at the range's edges and for the stale hours,
all in one UNION ALL query per metric. Counts therefore always equal a computation from
scratch; only the time-to-decision percentiles of large ranges are estimated (below).

Percentile resolution. Above EXACT_PERCENTILES_UP_TO decided clips in a range, the median and
90th percentile come from the WaitHour histogram: each bucket's clips are taken as evenly spread
over it, and the estimate lands in the bucket of the true value, so it is off by less than one
bucket: 1 s up to a minute, 5 s up to 10 minutes, 30 s up to an hour, 5 minutes up to 12 hours,
1 hour up to 30 days (at most 1/12, 8.3 %, of the value from one minute on); 30 days or more
reads as 30 days. The SLA count stays exact: an SLA target is a bucket edge whenever it is a
whole number of hours up to 30 days, or of 5 minutes up to 12 hours; another target, or a
range with fewer decided clips, uses the exact window query over the desk's rows.
"""

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connections, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Ceil
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from dashboard.constants import FINAL_STATES, DecisionAction
from dashboard.models import Clip, Decision
from insight.dbfunctions import BucketHour, SecondsBetween
from insight.models import (
    ClipHour,
    DecisionHour,
    LabelHour,
    PersonHour,
    StaleHour,
    SummaryState,
    WaitHour,
)

HOUR = timedelta(hours=1)
SUMMARY_MODELS = (ClipHour, WaitHour, DecisionHour, LabelHour, PersonHour)
# One refresh transaction rebuilds at most this many hours (a live desk has one or two).
HOURS_PER_REFRESH = 48
# Up to this many decided clips in a range the percentiles are exact (a window query over the
# desk's rows, ~20 ms on SQLite for 10,000); above, they come from the histogram.
EXACT_PERCENTILES_UP_TO = 10_000

# --- Time-to-decision buckets ------------------------------------------------------------------
# (segment end in seconds, bucket width). Bucket i holds waits in (WAIT_EDGES[i], WAIT_EDGES[i+1]]
# (bucket 0 also holds waits of zero or less); the last bucket, OVERFLOW, everything longer.
WAIT_SEGMENTS = ((60, 1), (600, 5), (3600, 30), (12 * 3600, 300), (30 * 86400, 3600))


def _edges() -> tuple[float, ...]:
    edges = [0.0]
    for end, width in WAIT_SEGMENTS:
        while edges[-1] < end:
            edges.append(edges[-1] + width)
    return tuple(edges)


WAIT_EDGES = _edges()
OVERFLOW = len(WAIT_EDGES) - 1
_EDGE_INDEX = {edge: i for i, edge in enumerate(WAIT_EDGES)}


def wait_bucket(wait: Expression) -> Case:
    """The WaitHour bucket of a wait in seconds, as a database expression."""
    whens = [When(LessThanOrEqual(wait, Value(WAIT_EDGES[1])), then=Value(0))]
    start = 0.0
    for end, width in WAIT_SEGMENTS:
        base = _EDGE_INDEX[start]
        steps = Ceil((wait - Value(start)) / Value(float(width)), output_field=FloatField())
        whens.append(
            When(
                LessThanOrEqual(wait, Value(float(end))),
                then=Cast(steps, IntegerField()) + Value(base - 1),
            )
        )
        start = float(end)
    return Case(*whens, default=Value(OVERFLOW), output_field=IntegerField())


def bucket_bounds(bucket: int) -> tuple[float, float | None]:
    """(low, high] of a bucket in seconds; high is None for the overflow bucket."""
    if bucket >= OVERFLOW:
        return WAIT_EDGES[OVERFLOW], None
    return WAIT_EDGES[bucket], WAIT_EDGES[bucket + 1]


def histogram_percentiles(counts: dict[int, int], fractions: Sequence[float]) -> list[float | None]:
    """Percentiles in seconds from bucket counts, linear between ranks like numpy's default.

    The k-th smallest wait is placed at (k + 0.5) / count of the way through its bucket.
    """
    ordered = sorted((bucket, n) for bucket, n in counts.items() if n)
    total = sum(n for _b, n in ordered)
    if total == 0:
        return [None for _ in fractions]

    def ranked(k: int) -> float:
        seen = 0
        for bucket, n in ordered:
            if k < seen + n:
                low, high = bucket_bounds(bucket)
                return low if high is None else low + (k - seen + 0.5) / n * (high - low)
            seen += n
        raise AssertionError("rank beyond the histogram")  # pragma: no cover

    out: list[float | None] = []
    for fraction in fractions:
        rank = fraction * (total - 1)
        low = math.floor(rank)
        value = ranked(low)
        if rank > low:
            value += (ranked(low + 1) - value) * (rank - low)
        out.append(value)
    return out


def sla_edge(seconds: float) -> int | None:
    """The bucket from which every wait is longer than `seconds`, if that is a bucket edge."""
    return _EDGE_INDEX.get(round(seconds, 6))


def count_longer(counts: dict[int, int], seconds: float) -> int:
    """Waits longer than `seconds` (a bucket edge: see sla_edge)."""
    first = sla_edge(seconds)
    if first is None:
        raise ValueError(f"{seconds} s is not a bucket edge")
    return sum(n for bucket, n in counts.items() if bucket >= first)


# --- What counts as overturned -----------------------------------------------------------------


def overturned_condition(prefilter: bool = True) -> Q:
    """When a decision counts as overturned on escalation.

    Either someone else later decided the same clip differently (possible after a second
    review), or the moderator escalated and the senior then approved the clip — found nothing
    wrong with what the moderator flagged. Only clips with more than one decision can qualify;
    with `prefilter` that set is computed once, so the per-row EXISTS runs on a few percent of
    the rows (worth it over many rows, not over a handful).
    """
    later = Decision.objects.filter(
        clip=OuterRef("clip"), created_at__gt=OuterRef("created_at")
    ).exclude(moderator=OuterRef("moderator"))
    changed = Exists(later.exclude(action=OuterRef("action")))
    dismissed = Exists(later.filter(action=DecisionAction.APPROVE))
    condition = (~Q(action=DecisionAction.ESCALATE) & Q(changed)) | (
        Q(action=DecisionAction.ESCALATE) & Q(dismissed)
    )
    if not prefilter:
        return condition
    several = Decision.objects.values("clip").annotate(c=Count("id")).filter(c__gt=1).values("clip")
    return Q(clip__in=several) & condition


def decided_clips() -> QuerySet[Clip]:
    """Clips in a final state, with their wait from arrival to decision in seconds."""
    return Clip.objects.filter(status__in=FINAL_STATES, decided_at__isnull=False).annotate(
        wait_s=SecondsBetween(F("decided_at"), F("created_at"))
    )


# --- Reading a range ---------------------------------------------------------------------------


def _floor_hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(at: datetime) -> datetime:
    floor = _floor_hour(at)
    return floor if floor == at else floor + HOUR


def _whole_hour_offsets(start: datetime, end: datetime) -> bool:
    """Whether the current zone is a whole number of hours from UTC over the range: only then
    is a local hour or day a union of UTC hours. Checked weekly (Lord Howe Island's +10:30
    lasts months)."""
    tz = timezone.get_current_timezone()
    at, week = start, timedelta(days=7)
    while True:
        if at.astimezone(tz).utcoffset().total_seconds() % 3600:
            return False
        if at >= end:
            return True
        at = min(at + week, end)


@dataclass(frozen=True)
class Split:
    """A range [start, end) as summary hours [first, last) plus the desk's rows for the rest.

    The rest is the partial hours [start, first) and [last, end), and every stale hour in
    between. first == last: nothing comes from the summary (a range shorter than an hour, a
    time zone with half-hour offsets, or use_summary=False for a computation from scratch).
    """

    start: datetime
    end: datetime
    first: datetime
    last: datetime

    @classmethod
    def of(cls, start: datetime, end: datetime, use_summary: bool = True) -> "Split":
        first, last = _ceil_hour(start), _floor_hour(end)
        if not use_summary or first >= last or not _whole_hour_offsets(start, end):
            first = last = start
        return cls(start, end, first, last)

    @property
    def summarised(self) -> bool:
        return self.first < self.last

    def summary(self, model: type[Any]) -> list[QuerySet]:
        """The usable summary rows of `model`: whole hours in the range, not stale."""
        if not self.summarised:
            return []
        stale = StaleHour.objects.filter(hour__gte=self.first, hour__lt=self.last).values("hour")
        return [
            model.objects.filter(hour__gte=self.first, hour__lt=self.last).exclude(hour__in=stale)
        ]

    def raw(
        self,
        queryset: QuerySet,
        time_path: str,
        owner: type[Any],
        owner_time: str,
        owner_path: str = "pk",
    ) -> list[QuerySet]:
        """`queryset` cut to the rows the summary does not cover, as up to three parts.

        `time_path` is the time the summary buckets by, as seen from the queryset's model;
        `owner` is the model holding that time as `owner_time`, reached by `owner_path`.
        """
        parts = []
        if self.start < self.first:
            parts.append(
                queryset.filter(**{f"{time_path}__gte": self.start, f"{time_path}__lt": self.first})
            )
        if self.last < self.end:
            parts.append(
                queryset.filter(**{f"{time_path}__gte": self.last, f"{time_path}__lt": self.end})
            )
        if self.summarised:
            stale = self._stale_rows(owner, owner_time)
            parts.append(queryset.filter(**{f"{owner_path}__in": stale}))
        return parts

    def _stale_rows(self, owner: type[Any], column: str) -> RawSQL:
        # Driven from the few stale hours into the owner's time index; an EXISTS per row would
        # read every row of the range instead.
        connection = connections["default"]
        q = connection.ops.quote_name
        meta = owner._meta
        stale = StaleHour._meta.db_table
        table, pk = q(meta.db_table), q(meta.pk.column)
        time = q(meta.get_field(column).column)
        # Table and column names only; the times are parameters.
        sql = (
            f"SELECT o.{pk} FROM {q(stale)} s INNER JOIN {table} o ON o.{time} >= s.hour "  # noqa: S608
            f"AND o.{time} < s.hour_end WHERE s.hour >= %s AND s.hour < %s"
        )
        adapt = connection.ops.adapt_datetimefield_value
        return RawSQL(sql, (adapt(self.first), adapt(self.last)))  # noqa: S611 - as above


def union_rows(parts: Sequence[QuerySet]) -> list[dict[str, Any]]:
    """The rows of every part (same columns), from one UNION ALL query."""
    if not parts:
        return []
    parts = [part.order_by() for part in parts]
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return list(combined)


def added_up(
    rows: Iterable[dict[str, Any]], keys: Sequence[str], sums: Sequence[str]
) -> dict[tuple, list[int]]:
    """Rows with the same keys (one from each part) added together."""
    out: dict[tuple, list[int]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        totals = out.setdefault(key, [0] * len(sums))
        for i, name in enumerate(sums):
            totals[i] += int(row[name] or 0)
    return out


def ranked_names(parts: Sequence[QuerySet], limit: int | None = None) -> list[tuple[str, int]]:
    """Parts of (k_name, v_n) rows added up per name, most first, in one query."""
    if not parts:
        return []
    parts = [part.order_by() for part in parts]
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    inner, params = combined.query.sql_with_params()
    connection = connections[combined.db]
    name, n = connection.ops.quote_name("k_name"), connection.ops.quote_name("v_n")
    # The ORM's own SQL and parameters, wrapped in an outer GROUP BY.
    sql = (
        f"SELECT u.{name}, SUM(u.{n}) AS total FROM ({inner}) u "  # noqa: S608
        f"GROUP BY u.{name} ORDER BY total DESC, u.{name}"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], int(row[1])) for row in cursor.fetchall()]


# --- Refreshing --------------------------------------------------------------------------------


def refresh_summary(max_hours: int = HOURS_PER_REFRESH) -> int:
    """Rebuild the oldest stale hours (at most `max_hours`) from the desk's rows; how many.

    One transaction, one refresh at a time (the SummaryState row is locked first). Only the
    StaleHour rows read before the rebuild are deleted: a change committed during it leaves its
    own row, and the next refresh takes that hour again.
    """
    SummaryState.objects.get_or_create(pk=1)
    with transaction.atomic():
        # A write first: it takes the lock on PostgreSQL and the write lock on SQLite.
        SummaryState.objects.filter(pk=1).update(refreshed_at=timezone.now())
        hours = list(
            StaleHour.objects.order_by("hour").values_list("hour", flat=True).distinct()[:max_hours]
        )
        if not hours:
            SummaryState.objects.filter(pk=1).update(hours_refreshed=0)
            return 0
        marks = list(StaleHour.objects.filter(hour__in=hours).values_list("id", flat=True))
        rebuild_hours(hours)
        for at in range(0, len(marks), 10_000):
            StaleHour.objects.filter(id__in=marks[at : at + 10_000]).delete()
        SummaryState.objects.filter(pk=1).update(hours_refreshed=len(hours))
    return len(hours)


def refresh_all(max_rounds: int | None = None) -> int:
    """Refresh until nothing is stale (or `max_rounds` refreshes); how many hours in all."""
    total = 0
    for _ in itertools.count() if max_rounds is None else range(max_rounds):
        done = refresh_summary()
        total += done
        if not done:
            break
    return total


def _ranges(hours: Sequence[datetime]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for hour in sorted(hours):
        if out and out[-1][1] == hour:
            out[-1] = (out[-1][0], hour + HOUR)
        else:
            out.append((hour, hour + HOUR))
    return out


def _within(path: str, ranges: Sequence[tuple[datetime, datetime]]) -> Q:
    q = Q()
    for start, end in ranges:
        q |= Q(**{f"{path}__gte": start, f"{path}__lt": end})
    return q


def rebuild_hours(hours: Sequence[datetime]) -> None:
    """Replace the summary rows of these UTC hours with counts of the desk's rows.

    Every count is a GROUP BY in the database; Python only carries the grouped rows over.
    """
    ranges = _ranges(hours)
    for model in SUMMARY_MODELS:
        model.objects.filter(hour__in=hours).delete()

    def hourly(path: str) -> BucketHour:
        return BucketHour(path, tzinfo=UTC)

    clips: dict[tuple[datetime, str], list[int]] = {}
    arrived = (
        Clip.objects.filter(_within("created_at", ranges))
        .annotate(h=hourly("created_at"))
        .values("h", "platform")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in arrived:
        clips.setdefault((row["h"], row["platform"]), [0, 0])[0] += row["n"]
    decided = decided_clips().filter(_within("decided_at", ranges))
    per_platform = (
        decided.annotate(h=hourly("decided_at"))
        .values("h", "platform")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in per_platform:
        clips.setdefault((row["h"], row["platform"]), [0, 0])[1] += row["n"]
    ClipHour.objects.bulk_create(
        ClipHour(hour=h, platform=p, arrived=a, decided=d) for (h, p), (a, d) in clips.items()
    )
    waits = (
        decided.annotate(h=hourly("decided_at"), b=wait_bucket(F("wait_s")))
        .values("h", "b")
        .annotate(n=Count("id"))
        .order_by()
    )
    WaitHour.objects.bulk_create(WaitHour(hour=r["h"], bucket=r["b"], clips=r["n"]) for r in waits)
    decisions = (
        Decision.objects.filter(_within("created_at", ranges))
        .annotate(h=hourly("created_at"))
        .values("h", "moderator", "action")
        .annotate(n=Count("id"), o=Count("id", filter=overturned_condition()))
        .order_by()
    )
    DecisionHour.objects.bulk_create(
        DecisionHour(
            hour=r["h"],
            moderator_id=r["moderator"],
            action=r["action"],
            decisions=r["n"],
            overturned=r["o"],
        )
        for r in decisions
    )
    labels = (
        Decision.labels.through.objects.filter(_within("decision__created_at", ranges))
        .annotate(h=hourly("decision__created_at"))
        .values("h", "label")
        .annotate(n=Count("id"))
        .order_by()
    )
    LabelHour.objects.bulk_create(
        LabelHour(hour=r["h"], label_id=r["label"], applied=r["n"]) for r in labels
    )
    persons = (
        Clip.persons.through.objects.filter(_within("clip__created_at", ranges))
        .annotate(h=hourly("clip__created_at"))
        .values("h", "person")
        .annotate(n=Count("id"))
        .order_by()
    )
    PersonHour.objects.bulk_create(
        PersonHour(hour=r["h"], person_id=r["person"], clips=r["n"]) for r in persons
    )
