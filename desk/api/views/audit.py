"""The audit log, read-only, for senior moderators and admins."""

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from dashboard.api.base import UnmaskViewSet
from dashboard.api.pagination import AuditCursorPagination
from dashboard.api.permissions import IsSenior
from dashboard.models import AuditEvent
from desk.api.filters import AuditEventFilter
from desk.api.serializers import AuditEventSerializer


@extend_schema_view(
    list=extend_schema(summary="Audit events, newest first (seniors and admins)"),
    retrieve=extend_schema(summary="One audit event"),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, UnmaskViewSet):
    serializer_class = AuditEventSerializer
    permission_classes = [IsSenior]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEventFilter
    pagination_class = AuditCursorPagination
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.select_related("clip", "actor")
