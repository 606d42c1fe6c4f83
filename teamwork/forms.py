"""Forms of the team-workflow pages; they parse input, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.constants import DecisionAction
from dashboard.forms import DecisionFieldsMixin
from teamwork.constants import APPEAL_OUTCOMES, AppealState


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OverturnForm(DecisionFieldsMixin, forms.Form):
    action = forms.ChoiceField(label=_("Your outcome"), choices=DecisionAction.choices)
    reason = forms.CharField(label=_("Why you disagree"), max_length=500)
    labels = forms.MultipleChoiceField(
        label=_("Labels"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AppealForm(forms.Form):
    appellant = forms.CharField(label=_("Appellant (optional)"), max_length=200, required=False)
    statement = forms.CharField(
        label=_("Appellant's statement"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(value, AppealState(value).label) for value in APPEAL_OUTCOMES],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)
