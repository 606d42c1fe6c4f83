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


MAX_IMPORT_ZIP_BYTES = 4 * 1024 * 1024 * 1024


class ReferenceImportForm(forms.Form):
    """A ZIP of images, with its CSV manifest here or as manifest.csv inside the ZIP."""

    archive = forms.FileField(label=_("ZIP of images"))
    manifest = forms.FileField(
        label=_("CSV manifest (file, person, title, date, source)"),
        required=False,
        help_text=_("Leave empty when the ZIP holds manifest.csv."),
    )

    def clean_archive(self):  # noqa: ANN201 - Django's form hook
        upload = self.cleaned_data["archive"]
        if upload.size > MAX_IMPORT_ZIP_BYTES:
            raise forms.ValidationError(_("At most 4 GB."))
        return upload
