"""Forms of the team-workflow pages; they parse input, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.constants import DecisionAction
from dashboard.forms import DecisionFieldsMixin
from teamwork.appeals import NewOutcome
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


NEW_OUTCOMES = [
    ("", _("Restore the clip (approve it)")),
    (DecisionAction.LABEL, _("Label it instead")),
    (DecisionAction.REMOVE, _("Remove it instead")),
    (DecisionAction.APPROVE, _("Approve it")),
]


class AppealDecisionForm(DecisionFieldsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(value, AppealState(value).label) for value in APPEAL_OUTCOMES],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)
    # Overturned only: what replaces the appealed decision (the decision service checks it).
    new_action = forms.ChoiceField(
        label=_("If overturned, the new outcome"),
        choices=NEW_OUTCOMES,
        required=False,
        help_text=_("Restoring approves a clip that was removed or labelled."),
    )
    labels = forms.MultipleChoiceField(
        label=_("Labels (for a new label or removal)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    policy_reason = forms.CharField(
        label=_("Policy reason (for a new removal)"), max_length=500, required=False
    )

    def new_outcome(self) -> NewOutcome:
        data = self.cleaned_data
        return NewOutcome(
            action=data["new_action"],
            labels=tuple(data["labels"]),
            policy_reason=data["policy_reason"],
        )
