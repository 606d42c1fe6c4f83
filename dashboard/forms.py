"""Form fields every page that records a decision shares (the desk's review page, the two-person
overturn): `action`, `labels`, `reason`, `note` turned into a DecisionRequest."""

from typing import Any

from django import forms

from dashboard.decisions import DecisionRequest
from dashboard.models import Label


class DecisionFieldsMixin:
    """A form's `action`, `labels`, `reason` and `note` as a DecisionRequest; labels offered
    from the active taxonomy. Shared by the review page and the two-person overturn form."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["labels"].choices = list(
            Label.objects.filter(active=True).values_list("slug", "name")
        )

    def to_request(self, expected_version: int | None = None) -> DecisionRequest:
        data = self.cleaned_data
        return DecisionRequest(
            action=data["action"],
            labels=tuple(data["labels"]),
            note=data["note"],
            reason=data["reason"],
            expected_version=expected_version,
        )
