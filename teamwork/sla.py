"""SLA bands and breaches: how long a clip may wait for a decision, and who waited too long.

A clip's deadline is its first report (its arrival when nobody reported it) plus the target
hours of its priority band: the band with the highest `min_priority` at or below the clip's
priority; a clip below every band gets the lowest. Bands are SlaBand rows edited in the admin;
with none, the settings UNMASK_SLA_* give the two default bands the desk has always used. A
routed queue (dashboard.Queue) may have bands of its own: its clips then use only those, the
others the default bands (`bands_by_queue`).
The deadline is computed in SQL so lists can sort by it and the breach sweep is one query.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from dashboard.constants import SLA_CLOCK_STATES
from dashboard.models import AuditEvent, Clip, Report
from teamwork.models import SlaBand, SlaBreach

SWEEP_ACTOR = "teamwork.tasks.record_sla_breaches"
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Band:
    name: str
    min_priority: float
    hours: float


def _sorted(bands: list[Band]) -> list[Band]:
    return sorted(bands, key=lambda b: -b.min_priority)


def _settings_bands() -> list[Band]:
    return [
        Band("high", settings.UNMASK_SLA_HIGH_PRIORITY, settings.UNMASK_SLA_HOURS_HIGH),
        Band("normal", float("-inf"), settings.UNMASK_SLA_HOURS_NORMAL),
    ]


QueueBands = dict[int | None, list[Band]]
"""Queue id -> its own bands, highest first; None -> the default bands (always present)."""


def bands_by_queue() -> QueueBands:
    """Every queue's own bands and the defaults, in one query."""
    found: dict[int | None, list[Band]] = {}
    for band in SlaBand.objects.all():
        found.setdefault(band.queue_id, []).append(Band(band.name, band.min_priority, band.hours))
    result: QueueBands = {queue_id: _sorted(rows) for queue_id, rows in found.items()}
    result.setdefault(None, _settings_bands())
    return result


def bands_of(bands: QueueBands, queue_id: int | None) -> list[Band]:
    """The bands a clip in `queue_id` uses: its queue's own, else the defaults."""
    return bands.get(queue_id) or bands[None]


def configured_bands(queue_id: int | None = None) -> list[Band]:
    """The bands of `queue_id` (its own, else the defaults), highest first: the admin's rows,
    else the settings' two defaults."""
    return bands_of(bands_by_queue(), queue_id)


def band_for(priority: float, bands: list[Band] | None = None) -> Band:
    bands = bands if bands is not None else configured_bands()
    for band in bands:
        if priority >= band.min_priority:
            return band
    return bands[-1]


def deadline_for(
    first_reported_at: datetime, priority: float, bands: list[Band] | None = None
) -> datetime:
    """When a clip first reported at `first_reported_at` with `priority` should be decided."""
    return first_reported_at + timedelta(hours=band_for(priority, bands).hours)


def _band_case(bands: list[Band] | QueueBands, field: str, value_of: type) -> Case:
    """The band's value for each clip: per queue first (queues with bands of their own), then
    the default bands; one CASE, so the deadline stays part of the same query."""
    if isinstance(bands, list):
        bands = {None: bands}
    whens = []
    for queue_id, own in bands.items():
        if queue_id is None:
            continue
        whens += [
            When(queue_id=queue_id, priority__gte=band.min_priority, then=Value(value_of(band)))
            for band in own[:-1]
        ]
        whens.append(When(queue_id=queue_id, then=Value(value_of(own[-1]))))
    default = bands[None]
    whens += [
        When(priority__gte=band.min_priority, then=Value(value_of(band))) for band in default[:-1]
    ]
    return Case(*whens, default=Value(value_of(default[-1])), output_field=field)


def with_deadline(
    queryset: QuerySet[Clip], bands: list[Band] | QueueBands | None = None
) -> QuerySet[Clip]:
    """Annotate `first_reported_at`, `sla_band`, `sla_hours` and `sla_deadline` on clips
    (by each clip's queue's bands unless one list of `bands` is given)."""
    bands = bands if bands is not None else bands_by_queue()
    first_report = (
        Report.objects.filter(clip=OuterRef("pk"))
        .order_by()
        .values("clip")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    return queryset.annotate(
        first_reported_at=Coalesce(Subquery(first_report), F("created_at")),
        sla_band=_band_case(bands, CharField(), lambda b: b.name),
        sla_hours=_band_case(bands, DurationField(), lambda b: timedelta(hours=b.hours)),
    ).annotate(
        sla_deadline=ExpressionWrapper(
            F("first_reported_at") + F("sla_hours"), output_field=DateTimeField()
        )
    )


def open_clips_by_time_left() -> QuerySet[Clip]:
    """Clips the SLA clock runs for (SLA_CLOCK_STATES), the least time left first."""
    return with_deadline(Clip.objects.filter(status__in=SLA_CLOCK_STATES)).order_by(
        "sla_deadline", "id"
    )


def record_sla_breaches(now: datetime | None = None) -> int:
    """Record a breach for every open clip past its deadline and not recorded yet; audited.

    Written in batches, each one transaction (breach rows and their audit events together).
    Safe to run again and concurrently: one breach row per clip (unique); a batch that meets a
    row another sweep wrote first is rolled back whole and left to the next run.
    """
    now = now or timezone.now()
    late = list(
        open_clips_by_time_left()
        .filter(sla_deadline__lt=now, sla_breach__isnull=True)
        .values_list("pk", "status", "sla_band", "sla_deadline")
    )
    recorded = 0
    for start in range(0, len(late), SWEEP_BATCH):
        batch = late[start : start + SWEEP_BATCH]
        try:
            with transaction.atomic():
                SlaBreach.objects.bulk_create(
                    SlaBreach(
                        clip_id=clip_id,
                        band=band,
                        deadline=deadline,
                        detected_at=now,
                        status_at_detection=status,
                    )
                    for clip_id, status, band, deadline in batch
                )
                # The rows record_event writes, one INSERT per batch: after an outage the
                # backlog can be thousands of clips.
                AuditEvent.objects.bulk_create(
                    AuditEvent(
                        clip_id=clip_id,
                        actor_label=SWEEP_ACTOR,
                        action="sla.breached",
                        from_status=status,
                        to_status=status,
                        data={"band": band, "deadline": deadline.isoformat()},
                        created_at=now,
                    )
                    for clip_id, status, band, deadline in batch
                )
        except IntegrityError:  # another sweep recorded some of them first
            continue
        recorded += len(batch)
    return recorded


def breaches() -> QuerySet[SlaBreach]:
    return SlaBreach.objects.select_related("clip", "clip__claimed_by").order_by(
        "-detected_at", "-id"
    )
