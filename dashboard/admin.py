"""The operators' panel for the review desk's records."""

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from dashboard.models import ApiToken, AuditEvent, Clip, Decision, Label, Person, Report


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible to operators, never edited or deleted through the panel."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    fields = ("reason", "reporter", "note", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = (
        "short_id",
        "status",
        "score",
        "priority",
        "report_count",
        "platform",
        "claimed_by",
        "created_at",
    )
    list_filter = ("status", "platform", "persons__protected", "created_at")
    search_fields = ("public_id", "sha256", "caption", "original_filename", "persons__name")
    date_hierarchy = "created_at"
    readonly_fields = (
        "public_id",
        "file",
        "original_filename",
        "sha256",
        "size_bytes",
        "container",
        "codec",
        "width",
        "height",
        "fps",
        "duration_s",
        "frame_count",
        "has_audio",
        "status",
        "score",
        "version",
        "scoring_done",
        "scoring_total",
        "scoring_lease_until",
        "scoring_job",
        "enqueued_at",
        "claimed_by",
        "claim_expires_at",
        "submitted_by",
        "created_at",
        "decided_at",
        "failure_reason",
    )
    filter_horizontal = ("persons",)
    inlines = [ReportInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Clip]:
        return (
            super()
            .get_queryset(request)
            .select_related("claimed_by")
            .annotate(report_total=Count("reports"))
        )

    @admin.display(ordering="report_total", description="Reports")
    def report_count(self, clip: Clip) -> int:
        return clip.report_total

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Clips come in through the desk's upload form or the API, which validate content.
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "protected", "created_at")
    list_filter = ("protected",)
    search_fields = ("name", "notes")


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "category", "manipulated", "active")
    list_filter = ("category", "manipulated", "active")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("clip", "reason", "reporter", "created_at")
    list_filter = ("reason", "created_at")
    date_hierarchy = "created_at"
    list_select_related = ("clip", "reporter")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("clip", "action", "moderator", "created_at")
    list_filter = ("action", "created_at")
    search_fields = ("clip__public_id", "note", "reason", "moderator__username")
    date_hierarchy = "created_at"
    list_select_related = ("clip", "moderator")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "action",
        "actor",
        "actor_label",
        "clip",
        "from_status",
        "to_status",
    )
    list_filter = ("action", "created_at")
    search_fields = ("action", "actor__username", "actor_label", "clip__public_id")
    date_hierarchy = "created_at"
    list_select_related = ("clip", "actor")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = ("user", "key_hash", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are made by `manage.py create_api_token`, which shows the secret once.
        return False
