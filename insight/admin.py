"""Agreement samples in the operators' panel: visible, never edited (they are measurements)."""

from django.contrib import admin

from dashboard.admin_site import ReadOnlyAdmin
from insight.models import AgreementSample


@admin.register(AgreementSample)
class AgreementSampleAdmin(ReadOnlyAdmin):
    list_display = ("clip", "first_decision", "second_moderator", "second_action", "reviewed_at")
    list_filter = ("second_action",)
    list_select_related = ("clip", "first_decision__moderator", "second_moderator")
    date_hierarchy = "sampled_at"
