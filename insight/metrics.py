"""The team dashboard's numbers, each computed by the database for a date range.

Every function here returns aggregates: the database groups, counts and sorts; Python only
reshapes a handful of aggregate rows (one per status, hour, action, ...) into chart series and
fills empty buckets. The range's throughput, time to decision, decisions, labels and persons read
the per-hour summary where it is up to date and the desk's rows elsewhere, in one query each
(insight.summary). Exact percentiles use a window query numbering the rows, which works on
SQLite and PostgreSQL alike, interpolating linearly between the two closest ranks (numpy's
default); over many clips they come from the summary's histogram instead.
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
from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from dashboard.constants import UNDECIDED_STATES, ClipStatus, DecisionAction
from dashboard.models import Clip, Decision
from insight.dbfunctions import BucketDay, BucketHour
from insight.models import ClipHour, DecisionHour, LabelHour, PersonHour, WaitHour
from insight.summary import (
    EXACT_PERCENTILES_UP_TO,
    Split,
    added_up,
    count_longer,
    decided_clips,
    histogram_percentiles,
    overturned_condition,
    ranked_names,
    sla_edge,
    union_rows,
    wait_bucket,
)
from teamwork.constants import AppealState
from teamwork.models import Appeal

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
# How the per-moderator table names decisions the system took (no moderator).
SYSTEM_DECIDER = "system"


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
    if count is not None and not wanted <= values.keys():
        # The caller's count came from another query and rows changed in between (a clip
        # left its final state): count again in this query's own terms.
        return percentiles(queryset, field, fractions, None, over_all)
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
        Clip.objects.filter(status__in=UNDECIDED_STATES)
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

    arrivals: clips that arrived, by (bucket, platform); decided: clips decided, by bucket;
    decisions: decisions by (moderator, action) with overturns. The dashboard's throughput,
    platform, SLA, action, escalation and per-moderator numbers are all sums over these few
    dozen rows. Each is one query reading the per-hour summary where it is up to date and the
    desk's rows elsewhere (insight.summary.Split); use_summary=False reads only the desk's rows,
    the computation from scratch the summary must equal.
    """

    def __init__(
        self,
        span: DateRange,
        sla_hours: float | None = None,
        now: datetime | None = None,
        use_summary: bool = True,
    ) -> None:
        self.span = span
        self.now = now or timezone.now()
        hours = sla_hours if sla_hours is not None else settings.INSIGHT_SLA_HOURS
        self.sla = timedelta(hours=hours)
        self._bucket = BucketHour if span.hourly else BucketDay
        self.split = Split.of(span.start, span.end, use_summary)

    def _at(self, path: str) -> Any:
        return self._bucket(path, tzinfo=timezone.get_current_timezone())

    @cached_property
    def arrivals(self) -> list[dict[str, Any]]:
        parts = [
            rows.filter(arrived__gt=0)
            .values(k_at=self._at("hour"), k_platform=F("platform"))
            .annotate(v_n=Sum("arrived"))
            for rows in self.split.summary(ClipHour)
        ] + [
            rows.values(k_at=self._at("created_at"), k_platform=F("platform")).annotate(
                v_n=Count("id")
            )
            for rows in self.split.raw(Clip.objects.all(), "created_at", Clip, "created_at")
        ]
        totals = added_up(union_rows(parts), ["k_at", "k_platform"], ["v_n"])
        return [
            {"bucket": at, "platform": platform, "n": n} for (at, platform), (n,) in totals.items()
        ]

    @cached_property
    def decided(self) -> list[dict[str, Any]]:
        parts = [
            rows.filter(decided__gt=0).values(k_at=self._at("hour")).annotate(v_n=Sum("decided"))
            for rows in self.split.summary(ClipHour)
        ] + [
            rows.values(k_at=self._at("decided_at")).annotate(v_n=Count("id"))
            for rows in self.split.raw(decided_clips(), "decided_at", Clip, "decided_at")
        ]
        totals = added_up(union_rows(parts), ["k_at"], ["v_n"])
        return [{"bucket": at, "n": n} for (at,), (n,) in totals.items()]

    @cached_property
    def decisions(self) -> list[dict[str, Any]]:
        # Over the partial and stale hours only, the per-row EXISTS is cheaper unfiltered.
        overturned = overturned_condition(prefilter=not self.split.summarised)
        parts = [
            rows.values(k_who=F("moderator"), k_action=F("action")).annotate(
                v_n=Sum("decisions"), v_over=Sum("overturned")
            )
            for rows in self.split.summary(DecisionHour)
        ] + [
            rows.values(k_who=F("moderator"), k_action=F("action")).annotate(
                v_n=Count("id"), v_over=Count("id", filter=overturned)
            )
            for rows in self.split.raw(Decision.objects.all(), "created_at", Decision, "created_at")
        ]
        totals = added_up(union_rows(parts), ["k_who", "k_action"], ["v_n", "v_over"])
        return [
            {"moderator": who, "action": action, "n": n, "overturned": over}
            for (who, action), (n, over) in totals.items()
        ]

    def wait_histogram(self) -> dict[int, int]:
        """Decided clips of the range per time-to-decision bucket (insight.summary)."""
        parts = [
            rows.values(k_wait=F("bucket")).annotate(v_n=Sum("clips"))
            for rows in self.split.summary(WaitHour)
        ] + [
            rows.values(k_wait=wait_bucket(F("wait_s"))).annotate(v_n=Count("id"))
            for rows in self.split.raw(decided_clips(), "decided_at", Clip, "decided_at")
        ]
        return {key[0]: n for key, (n,) in added_up(union_rows(parts), ["k_wait"], ["v_n"]).items()}

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
        now that has waited longer than the target. Up to EXACT_PERCENTILES_UP_TO decided
        clips the percentiles are exact; above, they come from the summary's histogram, off by
        less than one bucket (insight.summary); the late count is exact either way.
        """
        n = sum(row["n"] for row in self.decided)
        open_late = Clip.objects.filter(
            status__in=UNDECIDED_STATES, created_at__lt=self.now - self.sla
        ).count()
        sla_s = self.sla.total_seconds()
        exact = n <= EXACT_PERCENTILES_UP_TO or sla_edge(sla_s) is None
        if exact:
            # The late count rides along the percentile query: each wait is computed once.
            (median, p90), totals = percentiles(
                _decided_in(self.span),
                "wait_s",
                [0.5, 0.9],
                count=n,
                over_all={"late": Count("id", filter=Q(wait_s__gt=sla_s))},
            )
            late = totals["late"] or 0
        else:
            counts = self.wait_histogram()
            median, p90 = histogram_percentiles(counts, [0.5, 0.9])
            late = count_longer(counts, sla_s)
        return {
            "decided": n,
            "median": _as_duration(median),
            "p90": _as_duration(p90),
            "percentiles_exact": exact,
            "sla_hours": sla_s / 3600,
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
        totals: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
        for row in self.decisions:
            totals[row["moderator"]][0] += row["n"]
            totals[row["moderator"]][1] += row["overturned"]
        names = dict(get_user_model().objects.filter(pk__in=totals).values_list("pk", "username"))
        rows = [
            {
                # Decisions without a moderator were taken by the system (bank auto-apply).
                "moderator": names[pk] if pk is not None else SYSTEM_DECIDER,
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

    def labels(self) -> list[tuple[str, int]]:
        """Labels applied by the range's decisions, most used first."""
        through = Decision.labels.through.objects.all()
        return ranked_names(
            [
                rows.values(k_name=F("label__name")).annotate(v_n=Sum("applied"))
                for rows in self.split.summary(LabelHour)
            ]
            + [
                rows.values(k_name=F("label__name")).annotate(v_n=Count("id"))
                for rows in self.split.raw(
                    through, "decision__created_at", Decision, "created_at", "decision_id"
                )
            ]
        )

    def persons(self, limit: int = TOP_N) -> list[tuple[str, int]]:
        """Persons depicted in the most clips arriving in the range."""
        through = Clip.persons.through.objects.all()
        return ranked_names(
            [
                rows.values(k_name=F("person__name")).annotate(v_n=Sum("clips"))
                for rows in self.split.summary(PersonHour)
            ]
            + [
                rows.values(k_name=F("person__name")).annotate(v_n=Count("id"))
                for rows in self.split.raw(
                    through, "clip__created_at", Clip, "created_at", "clip_id"
                )
            ],
            limit,
        )


def _as_duration(seconds: float | None) -> timedelta | None:
    # julianday arithmetic is exact to about 50 microseconds: report whole milliseconds.
    return None if seconds is None else timedelta(seconds=round(seconds, 3))


def _decided_in(span: DateRange) -> QuerySet[Clip]:
    return decided_clips().filter(decided_at__gte=span.start, decided_at__lt=span.end)


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
    return TeamMetrics(span).labels()


# --- Targets -----------------------------------------------------------------------------------


def most_targeted(
    span: DateRange, limit: int = TOP_N, team: TeamMetrics | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Persons and platforms with the most clips arriving in the range."""
    team = team or TeamMetrics(span)
    return {"persons": team.persons(limit), "platforms": team.platforms(limit)}


# --- Appeals -----------------------------------------------------------------------------------


def appeal_outcomes(span: DateRange) -> dict[str, Any]:
    """Appeals filed in the range, and those decided in it: upheld, overturned, overturn rate.

    `open` counts the range's appeals still waiting now. One query (teamwork.Appeal).
    """

    def within(field: str) -> Q:
        return Q(**{f"{field}__gte": span.start, f"{field}__lt": span.end})

    counts = Appeal.objects.filter(within("submitted_at") | within("reviewed_at")).aggregate(
        received=Count("id", filter=within("submitted_at")),
        open=Count("id", filter=within("submitted_at") & Q(state=AppealState.OPEN)),
        upheld=Count("id", filter=within("reviewed_at") & Q(state=AppealState.UPHELD)),
        overturned=Count("id", filter=within("reviewed_at") & Q(state=AppealState.OVERTURNED)),
    )
    decided = counts["upheld"] + counts["overturned"]
    return counts | {
        "decided": decided,
        "overturn_rate": counts["overturned"] / decided if decided else None,
    }
