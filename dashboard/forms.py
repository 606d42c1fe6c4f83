"""Forms of the moderator's desk."""

from django import forms

from dashboard.constants import ReportReason
from dashboard.ingest import MAX_SUBJECTS, Submission


class ClipUploadForm(forms.Form):
    file = forms.FileField(label="Video file", allow_empty_file=True)
    platform = forms.CharField(max_length=100, required=False)
    source_url = forms.URLField(
        label="Source URL", max_length=2000, required=False, assume_scheme="https"
    )
    caption = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.ChoiceField(choices=ReportReason.choices, initial=ReportReason.DEEPFAKE)
    note = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    subjects = forms.CharField(
        label="People depicted",
        max_length=2000,
        required=False,
        help_text="Names separated by commas.",
    )

    def clean_subjects(self) -> list[str]:
        names = [n.strip() for n in self.cleaned_data["subjects"].split(",") if n.strip()]
        if len(names) > MAX_SUBJECTS:
            raise forms.ValidationError(f"At most {MAX_SUBJECTS} people.")
        return names

    def to_submission(self) -> Submission:
        data = self.cleaned_data
        return Submission(
            platform=data["platform"],
            source_url=data["source_url"],
            caption=data["caption"],
            reason=data["reason"],
            note=data["note"],
            subjects=tuple(data["subjects"]),
        )
