"""The team dashboard's numbers, each computed by the database for a date range.

Every function here returns aggregates: the database groups, counts and sorts; Python only
reshapes a handful of aggregate rows (one per status, hour, action, ...) into chart series and
fills empty buckets. Percentiles use an ordered query with OFFSET, which works on SQLite and
PostgreSQL alike, interpolating linearly between the two closest ranks (numpy's default).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from dashboard.constants import FINAL_STATES, ClipStatus, DecisionAction
from dashboard.models import Clip, Decision, Person

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


def percentile(queryset: QuerySet, field: str, fraction: float, count: int | None = None) -> Any:
    """The `fraction` percentile of `field` over `queryset`, linear between closest ranks.

    One ordered query reading at most two rows at OFFSET floor(fraction * (n - 1)); `count`
    saves the COUNT query when the caller already has it. None for an empty queryset.
    """
    n = queryset.count() if count is None else count
    if n == 0:
        return None
    rank = fraction * (n - 1)
    low = math.floor(rank)
    values = list(queryset.order_by(field).values_list(field, flat=True)[low : low + 2])
    if len(values) == 1 or rank == low:
        return values[0]
    return values[0] + (values[1] - values[0]) * (rank - low)


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


# --- Throughput --------------------------------------------------------------------------------


def throughput(span: DateRange) -> dict[str, Any]:
    """Clips in (arrived) and decided (reached a final state) per hour or day of `span`."""
    tz = timezone.get_current_timezone()
    trunc = TruncHour if span.hourly else TruncDay
    arrived = dict(
        Clip.objects.filter(created_at__gte=span.start, created_at__lt=span.end)
        .annotate(bucket=trunc("created_at", tzinfo=tz))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("bucket", "n")
    )
    decided = dict(
        Clip.objects.filter(decided_at__gte=span.start, decided_at__lt=span.end)
        .annotate(bucket=trunc("decided_at", tzinfo=tz))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("bucket", "n")
    )
    buckets = span.buckets()
    return {
        "buckets": buckets,
        "hourly": span.hourly,
        "arrived": [arrived.get(b, 0) for b in buckets],
        "decided": [decided.get(b, 0) for b in buckets],
    }


# --- Time to decision and SLA ------------------------------------------------------------------


def _decided_in(span: DateRange) -> QuerySet[Clip]:
    return Clip.objects.filter(
        decided_at__gte=span.start, decided_at__lt=span.end, status__in=FINAL_STATES
    ).annotate(
        wait=ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
    )


def time_to_decision(
    span: DateRange, sla_hours: float | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Median and 90th percentile from arrival to final decision, and SLA breaches.

    A breach is a clip decided in the range later than the target, or a clip still open now
    that has waited longer than the target.
    """
    sla = timedelta(hours=sla_hours if sla_hours is not None else settings.INSIGHT_SLA_HOURS)
    decided = _decided_in(span)
    counts = decided.aggregate(
        n=Count("id"), late=Count("id", filter=Q(decided_at__gt=F("created_at") + sla))
    )
    open_late = (
        Clip.objects.exclude(status__in=FINAL_STATES)
        .filter(created_at__lt=(now or timezone.now()) - sla)
        .count()
    )
    n = counts["n"]
    return {
        "decided": n,
        "median": percentile(decided, "wait", 0.5, count=n),
        "p90": percentile(decided, "wait", 0.9, count=n),
        "sla_hours": sla.total_seconds() / 3600,
        "decided_late": counts["late"],
        "open_late": open_late,
        "on_time_rate": (n - counts["late"]) / n if n else None,
    }


# --- Decisions ---------------------------------------------------------------------------------


def _decisions_in(span: DateRange) -> QuerySet[Decision]:
    return Decision.objects.filter(created_at__gte=span.start, created_at__lt=span.end)


def decisions_by_action(span: DateRange) -> dict[str, Any]:
    """Decisions per action and the escalation rate (escalations among all decisions)."""
    counts = dict(
        _decisions_in(span)
        .values("action")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("action", "n")
    )
    total = sum(counts.values())
    return {
        "by_action": [(a.label, counts.get(a.value, 0)) for a in DecisionAction],
        "total": total,
        "escalation_rate": counts.get(DecisionAction.ESCALATE, 0) / total if total else None,
    }


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
    wrong with what the moderator flagged.
    """
    later = Decision.objects.filter(
        clip=OuterRef("clip"), created_at__gt=OuterRef("created_at")
    ).exclude(moderator=OuterRef("moderator"))
    changed = Exists(later.exclude(action=OuterRef("action")))
    dismissed = Exists(later.filter(action=DecisionAction.APPROVE))
    return (~Q(action=DecisionAction.ESCALATE) & Q(changed)) | (
        Q(action=DecisionAction.ESCALATE) & Q(dismissed)
    )


def per_moderator(span: DateRange) -> list[dict[str, Any]]:
    """Decisions per moderator and how many were overturned, busiest first."""
    rows = (
        _decisions_in(span)
        .values("moderator__username")
        .annotate(n=Count("id"), overturned=Count("id", filter=overturned_condition()))
        .order_by("-n", "moderator__username")
    )
    return [
        {
            "moderator": row["moderator__username"],
            "decisions": row["n"],
            "overturned": row["overturned"],
            "overturn_rate": row["overturned"] / row["n"] if row["n"] else 0.0,
        }
        for row in rows
    ]


# --- Targets -----------------------------------------------------------------------------------


def most_targeted(span: DateRange, limit: int = TOP_N) -> dict[str, list[tuple[str, int]]]:
    """Persons and platforms with the most clips arriving in the range."""
    in_range = Q(clips__created_at__gte=span.start, clips__created_at__lt=span.end)
    persons = (
        Person.objects.filter(in_range)
        .values("name")
        .annotate(n=Count("clips"))
        .order_by("-n", "name")[:limit]
    )
    platforms = (
        Clip.objects.filter(created_at__gte=span.start, created_at__lt=span.end)
        .exclude(platform="")
        .values("platform")
        .annotate(n=Count("id"))
        .order_by("-n", "platform")[:limit]
    )
    return {
        "persons": [(p["name"], p["n"]) for p in persons],
        "platforms": [(p["platform"], p["n"]) for p in platforms],
    }
