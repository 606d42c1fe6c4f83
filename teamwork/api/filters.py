"""The appeals list's query filters (django-filter; documented in the schema)."""

import django_filters

from teamwork.constants import AppealSource, AppealState
from teamwork.models import Appeal


class AppealFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AppealState.choices)
    source = django_filters.ChoiceFilter(choices=AppealSource.choices)
    clip = django_filters.UUIDFilter(field_name="clip__public_id", help_text="The clip's id.")

    class Meta:
        model = Appeal
        fields: list[str] = []
