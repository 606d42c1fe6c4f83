"""The date range picker shared by the dashboard, the calibration page and the exports."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard.forms import DeskDateField
from insight.metrics import DateRange

DEFAULT_DAYS = 7
MAX_DAYS = 366


class DateRangeForm(forms.Form):
    start = DeskDateField(label=_("Start"), required=False)
    end = DeskDateField(label=_("End"), required=False, help_text=_("Included."))

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:  # a date out of range or unreadable: no range to check
            return data
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The start must not be after the end."))
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose at most %(n)d days.") % {"n": MAX_DAYS})
        data["start"], data["end"] = start, end
        return data

    def date_range(self) -> DateRange:
        """The chosen days as [start 00:00, day after end 00:00) in the current time zone."""
        if self.is_bound and self.is_valid():
            start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        else:
            end = timezone.localdate()
            start = end - timedelta(days=DEFAULT_DAYS - 1)
        return DateRange(_midnight(start), _midnight(end + timedelta(days=1)))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
