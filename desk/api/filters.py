"""Query filters and orderings of the API's lists (django-filter; documented in the schema)."""

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

from dashboard.constants import ClipKind, ClipStatus, ReportReason
from dashboard.identity import find_person
from dashboard.models import AuditEvent, Clip, Decision, Queue, Report
from dashboard.queues import in_queues


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, compared in UTC: PostgreSQL refuses offsets beyond ±15:59."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError(_("This date and time is out of range."), code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ClipFilter(django_filters.FilterSet):
    # distinct=False: a column of the clip itself, and DISTINCT (the default for a multiple
    # choice) makes PostgreSQL sort every matching clip before the first page.
    status = django_filters.MultipleChoiceFilter(
        choices=ClipStatus.choices,
        distinct=False,
        help_text="Repeat to match any of several statuses.",
    )
    kind = django_filters.ChoiceFilter(choices=ClipKind.choices, help_text="Videos or photos.")
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte")
    # EXISTS, not a join with DISTINCT: at a million clips a DISTINCT over the joined rows is
    # sorted in full before the first page, while EXISTS keeps the cursor's index order.
    label = django_filters.CharFilter(
        method="filter_label", help_text="Slug of a label a decision applied."
    )
    platform = django_filters.CharFilter(field_name="platform", lookup_expr="iexact")
    person = django_filters.CharFilter(
        method="filter_person",
        help_text=(
            "A person depicted: their id, or any spelling of their name or an alias "
            "(compared normalised: `Kim Da-mi` finds the person aliased `kim dami`)."
        ),
    )
    reason = django_filters.ChoiceFilter(
        method="filter_reason", choices=ReportReason.choices, help_text="A reason any report gave."
    )
    queue = django_filters.ModelChoiceFilter(
        queryset=Queue.objects.all(),
        to_field_name="slug",
        method="filter_queue",
        help_text="Slug of a routed queue; `general` includes items not routed yet.",
    )
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    decided_after = UtcIsoDateTimeFilter(field_name="decided_at", lookup_expr="gte")
    decided_before = UtcIsoDateTimeFilter(field_name="decided_at", lookup_expr="lt")

    class Meta:
        model = Clip
        fields: list[str] = []

    def filter_label(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        labelled = Decision.labels.through.objects.filter(
            decision__clip_id=OuterRef("pk"), label__slug=value
        )
        return queryset.filter(Exists(labelled))

    def filter_person(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if value.isdigit():
            person_id: int | None = int(value)
        else:
            person = find_person(value)
            person_id = person.pk if person is not None else None
        if person_id is None:
            return queryset.none()
        depicted = Clip.persons.through.objects.filter(clip_id=OuterRef("pk"), person_id=person_id)
        return queryset.filter(Exists(depicted))

    def filter_queue(self, queryset: QuerySet, name: str, value: Queue) -> QuerySet:
        return queryset.filter(in_queues([value]))

    def filter_reason(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Exists(Report.objects.filter(clip_id=OuterRef("pk"), reason=value)))


class ClipOrdering(OrderingFilter):
    """`?ordering=-score`: public names mapped to sortable columns (no NULLs for the cursor)."""

    ordering_fields = ["created_at", "priority", "score"]
    # The cursor compares positions, so a nullable score sorts by a non-null stand-in.
    aliases = {"score": "score_rank"}

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str]:
        ordering = super().get_ordering(request, queryset, view) or []
        mapped = []
        for term in ordering:
            desc = term.startswith("-")
            name = self.aliases.get(term.lstrip("-"), term.lstrip("-"))
            mapped.append(f"-{name}" if desc else name)
        if mapped:
            # A unique tie-breaker keeps pages stable where many clips share a priority.
            mapped.append("-pk" if mapped[0].startswith("-") else "pk")
        return mapped

    def get_valid_fields(
        self, queryset: QuerySet, view: Any, context: dict | None = None
    ) -> list[tuple[str, str]]:
        return [(name, name) for name in self.ordering_fields]

    def remove_invalid_fields(
        self, queryset: QuerySet, fields: list[str], view: Any, request: Request
    ) -> list[str]:
        valid = set(self.ordering_fields)
        return [term for term in fields if term.lstrip("-") in valid]


class AuditEventFilter(django_filters.FilterSet):
    clip = django_filters.UUIDFilter(field_name="clip__public_id")
    action = django_filters.CharFilter(field_name="action")
    actor = django_filters.CharFilter(field_name="actor__username")
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields: list[str] = []
