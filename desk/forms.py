"""Forms of the moderator's desk."""

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dashboard.accounts import AccountError, clean_uploader
from dashboard.constants import (
    AccountRecommendation,
    BlurStrength,
    ClipStatus,
    DecisionAction,
    ReportReason,
)
from dashboard.decisions import DecisionRequest
from dashboard.forms import DecisionFieldsMixin, DeskDateField
from dashboard.locale import OFFERED_TIME_ZONES
from dashboard.models import Label, Platform
from dashboard.persons import MAX_SUBJECTS
from dashboard.presets import platform_presets
from desk.ingest import MAX_REACH, InvalidReach, Submission, parse_reach
from desk.queue import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    SCORE_BANDS,
    SORTS,
    QueueFilters,
    visible_statuses,
)


class ReachFormField(forms.IntegerField):
    """A stated reach, parsed as strictly as the API does (digits only, 0 to MAX_REACH)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=MAX_REACH, **kwargs)

    def to_python(self, value: Any) -> int | None:
        try:
            return parse_reach(value)
        except InvalidReach as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


class PlatformInput(forms.TextInput):
    """Free text (any platform a report names) with the presets offered as a datalist: the
    value is the preset's name as clips store it, the reader's language names it. A view that
    read the presets already sets `presets`; else they are read when the field renders."""

    presets: list[Platform] | None = None

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}-presets"
        field = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((p.name, p.display_name) for p in self.presets or platform_presets()),
        )
        return format_html('{}<datalist id="{}">{}</datalist>', field, list_id, options)


class ClipUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Video or photo"),
        allow_empty_file=True,
        help_text=_(
            "A video, or a photo (still or animated); its content decides which, not its name."
        ),
    )
    platform = forms.CharField(
        label=_("Platform"), max_length=100, required=False, widget=PlatformInput
    )
    source_url = forms.URLField(
        label=_("Source URL"), max_length=2000, required=False, assume_scheme="https"
    )
    caption = forms.CharField(
        label=_("Caption"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=ReportReason.choices, initial=ReportReason.DEEPFAKE
    )
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    subjects = forms.CharField(
        label=_("People depicted"),
        max_length=2000,
        required=False,
        help_text=_("Names separated by commas."),
    )
    reach = ReachFormField(
        label=_("Reach"),
        required=False,
        help_text=_("Views or impressions the platform states, if known."),
    )

    uploader_id = forms.CharField(
        label=_("Uploader's account id"),
        max_length=200,
        required=False,
        help_text=_("The platform's own id of the account that posted it, if known."),
    )
    uploader_handle = forms.CharField(label=_("Uploader's handle"), max_length=200, required=False)
    uploader_url = forms.CharField(
        label=_("Uploader's profile URL"),
        max_length=2000,
        required=False,
        help_text=_("http or https; kept as text, never visited."),
    )

    def clean_subjects(self) -> list[str]:
        names = [n.strip() for n in self.cleaned_data["subjects"].split(",") if n.strip()]
        if len(names) > MAX_SUBJECTS:
            raise forms.ValidationError(_("At most %(count)d people.") % {"count": MAX_SUBJECTS})
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["uploader"] = clean_uploader(
                data.get("uploader_id", ""),
                data.get("uploader_handle", ""),
                data.get("uploader_url", ""),
            )
        except AccountError as exc:
            self.add_error("uploader_id", exc.message)
            return data
        if data["uploader"] is not None and not (data.get("platform") or "").strip():
            self.add_error("platform", _("Name the platform the uploader's account is on."))
        return data

    def to_submission(self) -> Submission:
        data = self.cleaned_data
        return Submission(
            platform=data["platform"],
            source_url=data["source_url"],
            caption=data["caption"],
            reason=data["reason"],
            note=data["note"],
            subjects=tuple(data["subjects"]),
            reach=data["reach"],
            uploader=data.get("uploader"),
        )


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string; bad values are dropped, not errors."""

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    score_band = forms.ChoiceField(label=_("Score"), required=False)
    label = forms.ChoiceField(label=pgettext_lazy("queue filter", "Label"), required=False)
    platform = forms.CharField(
        label=_("Platform"), max_length=100, required=False, widget=PlatformInput
    )
    person = forms.CharField(label=_("Person"), max_length=200, required=False)
    reason = forms.ChoiceField(label=_("Reported reason"), required=False)
    received_from = DeskDateField(label=_("Received from"), required=False)
    received_to = DeskDateField(label=_("Received to"), required=False)
    sort = forms.ChoiceField(label=_("Order"), choices=SORTS, required=False)
    # The switcher's links set it; a slug that is no queue simply matches nothing.
    queue = forms.SlugField(required=False, widget=forms.HiddenInput)
    per_page = forms.TypedChoiceField(
        label=_("Rows"),
        choices=[(n, n) for n in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PAGE_SIZE,
    )

    def __init__(self, *args: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statuses = set(visible_statuses(user))
        self.fields["status"].choices = [("", _("Open (not decided)"))] + [
            (s.value, s.label) for s in ClipStatus if s.value in statuses
        ]
        self.fields["score_band"].choices = [("", _("Any score"))] + [
            (key, label) for key, (label, _low, _high) in SCORE_BANDS.items()
        ]
        self.fields["label"].choices = [("", _("Any label"))] + [
            (label.slug, label.display_name) for label in Label.objects.filter(active=True)
        ]
        self.fields["reason"].choices = [("", _("Any reason")), *ReportReason.choices]

    def to_filters(self) -> QueueFilters:
        """The valid part of the request: an invalid field counts as not filtering on it."""
        if not self.is_bound:
            return QueueFilters()
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name)
            for name in self.fields
            if name not in self.errors and name != "per_page"
        }
        return QueueFilters(
            status=data.get("status") or "",
            score_band=data.get("score_band") or "",
            label=data.get("label") or "",
            platform=(data.get("platform") or "").strip(),
            person=(data.get("person") or "").strip(),
            reason=data.get("reason") or "",
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or "",
            queue=data.get("queue") or "",
        )

    def page_size(self) -> int:
        if not self.is_bound:
            return DEFAULT_PAGE_SIZE
        self.is_valid()
        if "per_page" in self.errors:
            return DEFAULT_PAGE_SIZE
        return self.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE


class DecisionForm(DecisionFieldsMixin, forms.Form):
    """One decision as posted by the review page; the rules are checked by apply_decision."""

    action = forms.ChoiceField(choices=DecisionAction.choices)
    labels = forms.MultipleChoiceField(required=False)
    reason = forms.CharField(max_length=500, required=False)
    note = forms.CharField(max_length=5000, required=False)
    expected_version = forms.IntegerField(min_value=1)
    account_recommendation = forms.ChoiceField(
        choices=AccountRecommendation.choices, required=False
    )
    # The moderator answered "Decide without watching?" (nothing playable existed yet).
    without_watching = forms.BooleanField(required=False)

    def to_request(self, expected_version: int | None = None) -> DecisionRequest:
        return super().to_request(expected_version or self.cleaned_data["expected_version"])


class CaseDecisionForm(DecisionFieldsMixin, forms.Form):
    """One decision for every open copy of a case (teamwork.cases.decide_case)."""

    action = forms.ChoiceField(label=_("Decision"), choices=DecisionAction.choices)
    labels = forms.MultipleChoiceField(label=_("Labels"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)
    account_recommendation = forms.ChoiceField(
        label=_("Recommendation for the uploaders' accounts"),
        choices=AccountRecommendation.choices,
        required=False,
    )


class CaseMemberForm(forms.Form):
    clip = forms.UUIDField(label=_("Clip id"))


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PersonForm(forms.Form):
    """Tagging a person: picked in the picker (`person_id`), or typed (`name`)."""

    name = forms.CharField(label=_("Person depicted"), max_length=200, required=False)
    person_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    confirm_new = forms.BooleanField(label=_("This is someone new"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("person_id") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("Give the person's name."), code="name_required")
        return data


class AliasForm(forms.Form):
    alias = forms.CharField(label=_("Alias"), max_length=200)


class MergeForm(forms.Form):
    other = forms.CharField(label=_("Person to merge into this one"), max_length=200)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AuditFilterForm(forms.Form):
    clip = forms.CharField(label=_("Clip id"), max_length=36, required=False)
    user = forms.CharField(label=_("User"), max_length=150, required=False)
    action = forms.CharField(label=_("Action"), max_length=50, required=False)
    date_from = DeskDateField(label=_("From"), required=False)
    date_to = DeskDateField(label=_("To"), required=False)


class OneTimeCodeForm(forms.Form):
    """The 6-digit code of an authenticator app (spaces allowed, as apps show it)."""

    code = forms.RegexField(
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        label=_("Code"),
        max_length=10,
        error_messages={"invalid": _("Enter the 6 digits your authenticator app shows.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


def _time_zone_choices() -> list[tuple[str, str]]:
    others = sorted(available_timezones() - set(OFFERED_TIME_ZONES))
    default = _("Default (%(zone)s)") % {"zone": settings.TIME_ZONE}
    return [("", default)] + [(z, z) for z in OFFERED_TIME_ZONES] + [(z, z) for z in others]


class ProfileForm(forms.Form):
    """A moderator's language and time zone (blank: the browser's language, the default zone)."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser asks"))] + list(settings.LANGUAGES)
        self.fields["time_zone"].choices = _time_zone_choices()


class WellnessForm(forms.Form):
    """How blurred media is shown to this moderator (desk/media.py, Wellness)."""

    blur_strength = forms.ChoiceField(
        label=_("Blur strength"), choices=BlurStrength.choices, widget=forms.RadioSelect
    )
    grayscale_only = forms.BooleanField(
        label=_("Greyscale only: show media without colour instead of blurring it"),
        required=False,
    )
