"""Forms of the provenance pages."""

from django import forms

from dashboard.models import Person

MAX_REFERENCE_BYTES = 200 * 1024 * 1024


class ReferenceForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.all())
    title = forms.CharField(max_length=200, required=False)
    file = forms.FileField()

    def clean_file(self):  # noqa: ANN201 - Django's form hook
        upload = self.cleaned_data["file"]
        if upload.size > MAX_REFERENCE_BYTES:
            raise forms.ValidationError("At most 200 MB.")
        return upload
