"""The team dashboard's numbers, each computed by the database for a date range.

Every function here returns aggregates: the database groups, counts and sorts; Python only
reshapes a handful of aggregate rows (one per status, hour, action, ...) into chart series and
fills empty buckets. Percentiles use an ordered query with OFFSET, which works on SQLite and
PostgreSQL alike, interpolating linearly between the two closest ranks (numpy's default).
"""

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from dashboard.constants import FINAL_STATES, ClipStatus, DecisionAction
from dashboard.models import Clip, Decision, Person
from insight.dbfunctions import BucketDay, BucketHour, SecondsBetween

# Open clips by how long they have waited since they arrived.
AGE_BUCKETS: Sequence[tuple[str, timedelta]] = (
    ("< 1 h", timedelta(hours=1)),
    ("1–4 h", timedelta(hours=4)),
    ("4–24 h", timedelta(hours=24)),
    ("1–3 d", timedelta(days=3)),
    ("3–7 d", timedelta(days=7)),
)
OLDEST_BUCKET = "> 7 d"
# Ranges up to this long are charted per hour, longer ones per day.
HOURLY_UP_TO = timedelta(days=3)
TOP_N = 10


@dataclass(frozen=True)
class DateRange:
    """[start, end): aware datetimes."""

    start: datetime
    end: datetime

    @property
    def hourly(self) -> bool:
        return self.end - self.start <= HOURLY_UP_TO

    def buckets(self) -> list[datetime]:
        """Every hour or day of the range, in the current time zone, for gap-free series."""
        tz = timezone.get_current_timezone()
        step = timedelta(hours=1) if self.hourly else timedelta(days=1)
        first = self.start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
        if not self.hourly:
            first = first.replace(hour=0)
        out = []
        at = first
        while at < self.end:
            out.append(at)
            at = (at + step).astimezone(tz)
        return out


def last_days(days: int, now: datetime | None = None) -> DateRange:
    now = now or timezone.now()
    return DateRange(now - timedelta(days=days), now)


# --- Percentiles -------------------------------------------------------------------------------


def percentiles(
    queryset: QuerySet,
    field: str,
    fractions: Sequence[float],
    count: int | None = None,
    over_all: dict[str, Any] | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """The `fractions` percentiles of `field`, linear between the closest ranks.

    One query: the rows are numbered in `field` order by a window function and only the (at
    most two) rows around each wanted rank come back. `over_all` adds aggregates over the
    whole queryset to that same query (window aggregates over every row), returned as the
    second item. `count` saves the COUNT query when the caller has it. Nones when empty.
    """
    over_all = over_all or {}
    n = queryset.count() if count is None else count
    if n == 0:
        return [None for _ in fractions], dict.fromkeys(over_all)
    ranks = [f * (n - 1) for f in fractions]
    wanted = {r for rank in ranks for r in (math.floor(rank) + 1, math.floor(rank) + 2) if r <= n}
    rows = list(
        queryset.order_by()  # no model ordering: it would read and sort whole rows
        .values(field)
        .annotate(
            _row=Window(RowNumber(), order_by=F(field).asc()),
            **{name: Window(aggregate) for name, aggregate in over_all.items()},
        )
        .filter(_row__in=sorted(wanted))
        .values("_row", field, *over_all)
    )
    values = {row["_row"]: row[field] for row in rows}
    out = []
    for rank in ranks:
        low = math.floor(rank)
        value = values[low + 1]
        if rank > low:
            value = value + (values[low + 2] - value) * (rank - low)
        out.append(value)
    return out, {name: rows[0][name] for name in over_all}


def percentile(queryset: QuerySet, field: str, fraction: float, count: int | None = None) -> Any:
    return percentiles(queryset, field, [fraction], count)[0][0]


# --- Backlog -----------------------------------------------------------------------------------


def backlog(now: datetime | None = None) -> dict[str, Any]:
    """Open clips now, by status and by age bucket, from one grouped query."""
    now = now or timezone.now()
    age = Case(
        *(When(created_at__gt=now - limit, then=Value(name)) for name, limit in AGE_BUCKETS),
        default=Value(OLDEST_BUCKET),
    )
    rows = (
        Clip.objects.exclude(status__in=FINAL_STATES)
        .annotate(age=age)
        .values("status", "age")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_status: dict[str, int] = {}
    by_age = {name: 0 for name, _ in AGE_BUCKETS} | {OLDEST_BUCKET: 0}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        by_age[row["age"]] += row["n"]
    order = [s for s in ClipStatus.values if s in by_status]
    return {
        "by_status": [(ClipStatus(s).label, by_status[s]) for s in order],
        "by_age": list(by_age.items()),
        "total": sum(by_status.values()),
    }


# --- Throughput, time to decision, decisions ---------------------------------------------------


class TeamMetrics:
    """The range's grouped queries, each run once however many charts read it.

    arrivals: clips that arrived, by (bucket, platform); decided: clips decided, by bucket, with
    how many were late; decisions: decisions by (moderator, action) with overturns. The
    dashboard's throughput, platform, SLA, action, escalation and per-moderator numbers are
    all sums over these few dozen rows.
    """

    def __init__(
        self, span: DateRange, sla_hours: float | None = None, now: datetime | None = None
    ) -> None:
        self.span = span
        self.now = now or timezone.now()
        hours = sla_hours if sla_hours is not None else settings.INSIGHT_SLA_HOURS
        self.sla = timedelta(hours=hours)
        self._bucket = BucketHour if span.hourly else BucketDay

    @cached_property
    def arrivals(self) -> list[dict[str, Any]]:
        tz = timezone.get_current_timezone()
        return list(
            Clip.objects.filter(created_at__gte=self.span.start, created_at__lt=self.span.end)
            .annotate(bucket=self._bucket("created_at", tzinfo=tz))
            .values("bucket", "platform")
            .annotate(n=Count("id"))
            .order_by()
        )

    @cached_property
    def decided(self) -> list[dict[str, Any]]:
        tz = timezone.get_current_timezone()
        return list(
            _decided_in(self.span)
            .annotate(bucket=self._bucket("decided_at", tzinfo=tz))
            .values("bucket")
            .annotate(n=Count("id"))
            .order_by()
        )

    @cached_property
    def decisions(self) -> list[dict[str, Any]]:
        return list(
            _decisions_in(self.span)
            .values("moderator", "action")
            .annotate(n=Count("id"), overturned=Count("id", filter=overturned_condition()))
            .order_by()
        )

    def throughput(self) -> dict[str, Any]:
        """Clips in (arrived) and decided (reached a final state) per hour or day."""
        arrived: dict[datetime, int] = defaultdict(int)
        for row in self.arrivals:
            arrived[row["bucket"]] += row["n"]
        decided = {row["bucket"]: row["n"] for row in self.decided}
        buckets = self.span.buckets()
        return {
            "buckets": buckets,
            "hourly": self.span.hourly,
            "arrived": [arrived.get(b, 0) for b in buckets],
            "decided": [decided.get(b, 0) for b in buckets],
        }

    def time_to_decision(self) -> dict[str, Any]:
        """Median and 90th percentile from arrival to final decision, and SLA breaches.

        A breach is a clip decided in the range later than the target, or a clip still open
        now that has waited longer than the target.
        """
        n = sum(row["n"] for row in self.decided)
        open_late = (
            Clip.objects.exclude(status__in=FINAL_STATES)
            .filter(created_at__lt=self.now - self.sla)
            .count()
        )
        # The late count rides along the percentile query: each wait is computed once.
        (median, p90), totals = percentiles(
            _decided_in(self.span),
            "wait_s",
            [0.5, 0.9],
            count=n,
            over_all={"late": Count("id", filter=Q(wait_s__gt=self.sla.total_seconds()))},
        )
        late = totals["late"] or 0
        return {
            "decided": n,
            "median": _as_duration(median),
            "p90": _as_duration(p90),
            "sla_hours": self.sla.total_seconds() / 3600,
            "decided_late": late,
            "open_late": open_late,
            "on_time_rate": (n - late) / n if n else None,
        }

    def decisions_by_action(self) -> dict[str, Any]:
        """Decisions per action and the escalation rate (escalations among all decisions)."""
        counts: dict[str, int] = defaultdict(int)
        for row in self.decisions:
            counts[row["action"]] += row["n"]
        total = sum(counts.values())
        return {
            "by_action": [(a.label, counts.get(a.value, 0)) for a in DecisionAction],
            "total": total,
            "escalation_rate": counts.get(DecisionAction.ESCALATE, 0) / total if total else None,
        }

    def per_moderator(self) -> list[dict[str, Any]]:
        """Decisions per moderator and how many were overturned, busiest first."""
        totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for row in self.decisions:
            totals[row["moderator"]][0] += row["n"]
            totals[row["moderator"]][1] += row["overturned"]
        names = dict(get_user_model().objects.filter(pk__in=totals).values_list("pk", "username"))
        rows = [
            {
                "moderator": names[pk],
                "decisions": n,
                "overturned": overturned,
                "overturn_rate": overturned / n if n else 0.0,
            }
            for pk, (n, overturned) in totals.items()
        ]
        return sorted(rows, key=lambda r: (-r["decisions"], r["moderator"]))

    def platforms(self, limit: int = TOP_N) -> list[tuple[str, int]]:
        counts: dict[str, int] = defaultdict(int)
        for row in self.arrivals:
            if row["platform"]:
                counts[row["platform"]] += row["n"]
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def _as_duration(seconds: float | None) -> timedelta | None:
    # julianday arithmetic is exact to about 50 microseconds: report whole milliseconds.
    return None if seconds is None else timedelta(seconds=round(seconds, 3))


def _decided_in(span: DateRange) -> QuerySet[Clip]:
    return Clip.objects.filter(
        decided_at__gte=span.start, decided_at__lt=span.end, status__in=FINAL_STATES
    ).annotate(wait_s=SecondsBetween(F("decided_at"), F("created_at")))


def _decisions_in(span: DateRange) -> QuerySet[Decision]:
    return Decision.objects.filter(created_at__gte=span.start, created_at__lt=span.end)


def throughput(span: DateRange) -> dict[str, Any]:
    return TeamMetrics(span).throughput()


def time_to_decision(
    span: DateRange, sla_hours: float | None = None, now: datetime | None = None
) -> dict[str, Any]:
    return TeamMetrics(span, sla_hours, now).time_to_decision()


def decisions_by_action(span: DateRange) -> dict[str, Any]:
    return TeamMetrics(span).decisions_by_action()


def per_moderator(span: DateRange) -> list[dict[str, Any]]:
    return TeamMetrics(span).per_moderator()


def decisions_by_label(span: DateRange) -> list[tuple[str, int]]:
    through = Decision.labels.through.objects
    rows = (
        through.filter(decision__created_at__gte=span.start, decision__created_at__lt=span.end)
        .values("label__name")
        .annotate(n=Count("id"))
        .order_by("-n", "label__name")
    )
    return [(row["label__name"], row["n"]) for row in rows]


def overturned_condition() -> Q:
    """When a decision counts as overturned on escalation.

    Either someone else later decided the same clip differently (possible after a second
    review), or the moderator escalated and the senior then approved the clip — found nothing
    wrong with what the moderator flagged. Only clips with more than one decision can qualify;
    that set is computed once, so the per-row EXISTS runs on a few percent of the rows.
    """
    later = Decision.objects.filter(
        clip=OuterRef("clip"), created_at__gt=OuterRef("created_at")
    ).exclude(moderator=OuterRef("moderator"))
    changed = Exists(later.exclude(action=OuterRef("action")))
    dismissed = Exists(later.filter(action=DecisionAction.APPROVE))
    several = Decision.objects.values("clip").annotate(c=Count("id")).filter(c__gt=1).values("clip")
    return Q(clip__in=several) & (
        (~Q(action=DecisionAction.ESCALATE) & Q(changed))
        | (Q(action=DecisionAction.ESCALATE) & Q(dismissed))
    )


# --- Targets -----------------------------------------------------------------------------------


def most_targeted(
    span: DateRange, limit: int = TOP_N, team: TeamMetrics | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Persons and platforms with the most clips arriving in the range."""
    in_range = Q(clips__created_at__gte=span.start, clips__created_at__lt=span.end)
    persons = (
        Person.objects.filter(in_range)
        .values("name")
        .annotate(n=Count("clips"))
        .order_by("-n", "name")[:limit]
    )
    return {
        "persons": [(p["name"], p["n"]) for p in persons],
        "platforms": (team or TeamMetrics(span)).platforms(limit),
    }
