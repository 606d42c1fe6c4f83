"""Reference data: labels and persons. Moderators read; admins create and edit.

Neither can be deleted through the API: decisions keep the labels they applied and clips the
persons they depict. A label is retired by setting `active` to false.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from dashboard.api.base import UnmaskViewSet
from dashboard.api.pagination import NameCursorPagination
from dashboard.api.permissions import ReadModeratorWriteAdmin
from dashboard.models import Label, Person
from desk.api.serializers import LabelSerializer, PersonSerializer


class _ReadCreateUpdateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    UnmaskViewSet,
):
    permission_classes = [ReadModeratorWriteAdmin]


@extend_schema_view(
    list=extend_schema(summary="The label taxonomy"),
    create=extend_schema(summary="Add a label (admins)"),
    update=extend_schema(summary="Change a label (admins)"),
    partial_update=extend_schema(summary="Change a label, e.g. retire it (admins)"),
)
class LabelViewSet(_ReadCreateUpdateViewSet):
    serializer_class = LabelSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"
    pagination_class = None

    def get_queryset(self) -> QuerySet[Label]:
        return Label.objects.order_by("category", "name")


@extend_schema_view(
    list=extend_schema(summary="Persons known to the desk"),
    create=extend_schema(summary="Add a person (admins)"),
    update=extend_schema(summary="Change a person (admins)"),
    partial_update=extend_schema(summary="Change a person, e.g. protect them (admins)"),
)
class PersonViewSet(_ReadCreateUpdateViewSet):
    serializer_class = PersonSerializer
    pagination_class = NameCursorPagination
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Person]:
        return Person.objects.order_by("name", "pk")
