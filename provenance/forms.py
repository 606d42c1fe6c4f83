"""Forms of the provenance pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard.models import Person

MAX_REFERENCE_BYTES = 200 * 1024 * 1024


class ReferenceForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.all())
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))

    def clean_file(self):  # noqa: ANN201 - Django's form hook
        upload = self.cleaned_data["file"]
        if upload.size > MAX_REFERENCE_BYTES:
            raise forms.ValidationError(_("At most 200 MB."))
        return upload
