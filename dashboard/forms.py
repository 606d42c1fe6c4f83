"""Form fields the apps' pages share: a decision's `action`, `labels`, `reason` and `note` (the
desk's review page, the two-person overturn), and the one date field every filter and range uses."""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from dashboard.constants import AccountRecommendation
from dashboard.decisions import DecisionRequest
from dashboard.models import Label

# Dates the desk accepts in filters and ranges. Far enough either way for any real use, and far
# from date.min/date.max, where "the day after" or a time-zone shift overflows.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2999, 12, 31)


class DeskDateField(forms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE; anything else is a field error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(
                _("Choose a date between %(EARLIEST_DATE)s and %(LATEST_DATE)s.")
                % {
                    "EARLIEST_DATE": f"{EARLIEST_DATE:%Y-%m-%d}",
                    "LATEST_DATE": f"{LATEST_DATE:%Y-%m-%d}",
                },
                code="date_out_of_range",
            )


class DecisionFieldsMixin:
    """A form's `action`, `labels`, `reason` and `note` as a DecisionRequest; labels offered
    from the active taxonomy. Shared by the review page and the two-person overturn form."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["labels"].choices = [
            (label.slug, label.display_name) for label in Label.objects.filter(active=True)
        ]

    def to_request(self, expected_version: int | None = None) -> DecisionRequest:
        data = self.cleaned_data
        return DecisionRequest(
            action=data["action"],
            labels=tuple(data["labels"]),
            note=data["note"],
            reason=data["reason"],
            expected_version=expected_version,
            # Optional: only forms that offer it (the review page) send one.
            account_recommendation=data.get("account_recommendation") or AccountRecommendation.NONE,
        )
