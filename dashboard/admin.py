"""The operators' panel for the review desk's records.

Actions call services: releasing a claim goes through dashboard.operators.force_release
(audited); satellites add clip actions through `dashboard.hooks.clip_admin_actions` (detection's
re-score). Decisions, audit events and reports are read-only here: history is never edited.
"""

import logging
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from dashboard.admin_site import ReadOnlyAdmin, ReadOnlyInline, RoleAdmin, export_as_csv
from dashboard.errors import ServiceError
from dashboard.hooks import clip_admin_actions
from dashboard.identity import spelling_taken, undo_merge
from dashboard.models import (
    Account,
    ApiToken,
    AuditEvent,
    Clip,
    Decision,
    Depiction,
    DeskPreference,
    IdempotencyKey,
    Label,
    NameSuggestion,
    Person,
    PersonMerge,
    PersonName,
    Platform,
    Queue,
    RemovalPolicy,
    Report,
    ReviewRendition,
)
from dashboard.operators import force_release

logger = logging.getLogger(__name__)


class ReportInline(ReadOnlyInline):
    model = Report
    fields = ("reason", "reporter", "note", "reach", "subjects", "statement", "created_at")
    readonly_fields = fields


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = ("action", "moderator", "reason", "note", "created_at")
    readonly_fields = fields


class ReviewRenditionInline(ReadOnlyInline):
    """What the player plays and how much storage it takes beside the original."""

    model = ReviewRendition
    fields = (
        "state",
        "needed_because",
        "file",
        "size_bytes",
        "stills_bytes",
        "codec",
        "width",
        "height",
        "encode_seconds",
        "attempts",
        "failure_reason",
        "finished_at",
    )
    readonly_fields = fields


@admin.register(Clip)
class ClipAdmin(RoleAdmin):
    list_display = (
        "short_id",
        "status",
        "score",
        "priority",
        "report_count",
        "reach",
        "platform",
        "claimed_by",
        "created_at",
        "decided_at",
        "rendition_size",
        # Last, so the CSV export's existing columns keep their places.
        "kind",
    )
    list_filter = ("kind", "status", "platform", "persons__protected", "has_audio", "created_at")
    search_fields = ("public_id", "sha256", "caption", "original_filename", "persons__name")
    date_hierarchy = "created_at"
    list_select_related = ("claimed_by", "rendition")
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
        # The largest reach a report stated (desk.ingest); reports change it, not operators.
        "reach",
        "status",
        "score",
        "priority",
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
        # Tagged and untagged on the review page (dashboard.persons: claim or senior, audited,
        # remembered by the two-person rule), never silently here.
        "persons",
        # Set by routing (routing.services), moved by a senior on the review page, audited.
        "queue",
        "queue_pinned_at",
    )
    # Django 6's default, as the desk's upload form already has it (and no deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [ReviewRenditionInline, ReportInline, DecisionInline]
    actions = ["release_claims", export_as_csv]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Satellites add theirs (detection: re-score) through dashboard.hooks.clip_admin_actions.
        actions = super().get_actions(request)
        if self.has_change_permission(request):
            for action in clip_admin_actions:
                func, name, description = self.get_action(action)
                actions[name] = (func, name, description)
        return actions

    def get_queryset(self, request: HttpRequest) -> QuerySet[Clip]:
        return super().get_queryset(request).annotate(report_total=Count("reports"))

    @admin.display(ordering="report_total", description="Reports")
    def report_count(self, clip: Clip) -> int:
        return clip.report_total

    @admin.display(description="Rendition")
    def rendition_size(self, clip: Clip) -> str:
        rendition = getattr(clip, "rendition", None)
        if rendition is None:
            return "—"
        stored = rendition.size_bytes + rendition.stills_bytes
        return f"{rendition.get_state_display()}, {filesizeformat(stored)}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Clips come in through the desk's upload form or the API, which validate content.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Decisions and audit events protect their clip; history is not deleted from here.
        return False

    @admin.action(description="Release claims on selected clips", permissions=["change"])
    def release_claims(self, request: HttpRequest, queryset: QuerySet[Clip]) -> None:
        released = sum(
            force_release(pk, request.user) for pk in queryset.values_list("pk", flat=True)
        )
        level = messages.SUCCESS if released else messages.WARNING
        self.message_user(request, f"Released {released} claim(s).", level)


class PersonNameInline(ReadOnlyInline):
    """Every spelling the resolver finds this person by, with its script (derived on save
    from the name and aliases: edit those)."""

    model = PersonName
    fields = ("name", "script", "key", "primary")
    readonly_fields = fields


class PersonAdminForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ("name", "aliases", "protected", "notes")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        aliases = data.get("aliases") if isinstance(data.get("aliases"), list) else []
        spellings = [data["name"]] if data.get("name") else []
        person = self.instance if self.instance.pk else None
        taken = spelling_taken([*spellings, *map(str, aliases)], person)
        if taken is not None:
            spelling, holder = taken
            raise forms.ValidationError(
                f"{spelling} is already a spelling of {holder.name} (person {holder.pk}): "
                "merge the two persons on the desk instead."
            )
        return data


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    """The accounts behind clips, as reports named them (dashboard.accounts); read only."""

    list_display = ("platform", "account_id", "handle", "first_seen", "last_seen")
    list_filter = ("platform", "last_seen")
    search_fields = ("account_id", "handle")


@admin.register(Person)
class PersonAdmin(RoleAdmin):
    form = PersonAdminForm
    list_display = ("name", "protected", "clip_count", "merged_into", "created_at")
    list_filter = ("protected", "script", "created_at")
    search_fields = ("name", "notes", "aliases", "names__key")
    readonly_fields = ("name_key", "script", "merged_into")
    inlines = [PersonNameInline]
    date_hierarchy = "created_at"
    actions = [export_as_csv]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return super().get_queryset(request).annotate(clip_total=Count("clips"))

    @admin.display(ordering="clip_total", description="Clips")
    def clip_count(self, person: Person) -> int:
        return person.clip_total


@admin.register(PersonMerge)
class PersonMergeAdmin(ReadOnlyAdmin):
    """Merges seniors made on the desk, with what moved; an admin undoes one here."""

    list_display = ("source", "target", "merged_by", "created_at", "undone_by", "undone_at")
    list_filter = ("created_at",)
    readonly_fields = (
        "source",
        "target",
        "merged_by",
        "created_at",
        "moved",
        "undone_by",
        "undone_at",
    )
    actions = ["undo_merges"]

    @admin.action(description="Undo the selected merges (clips, aliases, flag, references)")
    def undo_merges(self, request: HttpRequest, queryset: QuerySet[PersonMerge]) -> None:
        undone = 0
        for merge_id in queryset.values_list("pk", flat=True):
            try:
                undo_merge(merge_id, request.user)
                undone += 1
            except ServiceError as exc:
                self.message_user(request, f"Merge {merge_id}: {exc.message}", messages.ERROR)
        if undone:
            self.message_user(request, f"Undid {undone} merge(s).", messages.SUCCESS)


@admin.register(PersonName)
class PersonNameAdmin(ReadOnlyAdmin):
    """The index of spellings (derived from each person's name and aliases)."""

    list_display = ("name", "person", "script", "key", "primary")
    list_filter = ("script", "primary")
    search_fields = ("name", "key")


@admin.register(NameSuggestion)
class NameSuggestionAdmin(ReadOnlyAdmin):
    """Spellings close to a protected person (resolved on the review page by seniors)."""

    list_display = ("spelling", "candidate", "reason", "state", "clip", "created_at")
    list_filter = ("state", "reason")
    search_fields = ("spelling", "candidate__name")


@admin.register(Queue)
class QueueAdmin(RoleAdmin):
    """Queues and their members; the rules that fill them are routing's (RoutingRule)."""

    list_display = ("name", "slug", "order", "member_count")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Queue]:
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(ordering="member_total", description="Members")
    def member_count(self, queue: Queue) -> int:
        return queue.member_total


@admin.register(Label)
class LabelAdmin(RoleAdmin):
    list_display = ("name", "name_ko", "slug", "category", "manipulated", "active")
    list_filter = ("category", "manipulated", "active")
    search_fields = ("name", "name_ko", "slug", "description", "description_ko")
    prepopulated_fields = {"slug": ("name",)}
    actions = [export_as_csv]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Decisions keep the labels they applied: retire a label by unticking "active".
        return False


@admin.register(RemovalPolicy)
class RemovalPolicyAdmin(RoleAdmin):
    list_display = ("name", "name_ko", "position", "active")
    list_editable = ("position", "active")
    list_filter = ("active",)
    search_fields = ("name", "name_ko", "description", "description_ko")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Decisions keep the reason they gave: retire a policy by unticking "active".
        return False


@admin.register(Platform)
class PlatformAdmin(RoleAdmin):
    list_display = ("name", "name_ko", "position", "active")
    list_editable = ("position", "active")
    list_filter = ("active",)
    search_fields = ("name", "name_ko")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("clip", "reason", "reporter", "created_at")
    list_filter = ("reason", "created_at")
    search_fields = ("clip__public_id", "note", "reporter__username")
    date_hierarchy = "created_at"
    list_select_related = ("clip", "reporter")
    actions = [export_as_csv]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("clip", "action", "moderator", "created_at")
    list_filter = ("action", "labels", "created_at")
    search_fields = ("clip__public_id", "note", "reason", "moderator__username")
    date_hierarchy = "created_at"
    list_select_related = ("clip", "moderator")
    actions = [export_as_csv]


@admin.register(Depiction)
class DepictionAdmin(ReadOnlyAdmin):
    """Every person each clip has depicted, untagged ones included (the two-person rule reads
    them): read-only, written by dashboard.persons.depict."""

    list_display = ("clip", "person", "source", "added_by", "first_depicted_at")
    list_filter = ("source", "person__protected", "first_depicted_at")
    search_fields = ("clip__public_id", "person__name")
    date_hierarchy = "first_depicted_at"
    list_select_related = ("clip", "person", "added_by")


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
    actions = [export_as_csv]


@admin.register(ReviewRendition)
class ReviewRenditionAdmin(ReadOnlyAdmin):
    """Renditions are made by their job (detection.renditions), never edited here."""

    list_display = (
        "clip",
        "state",
        "size_bytes",
        "stills_bytes",
        "codec",
        "width",
        "height",
        "encode_seconds",
        "attempts",
        "finished_at",
    )
    list_filter = ("state", "finished_at")
    search_fields = ("clip__public_id", "clip__sha256", "failure_reason")
    date_hierarchy = "created_at"
    list_select_related = ("clip",)


@admin.register(DeskPreference)
class DeskPreferenceAdmin(RoleAdmin):
    list_display = ("user", "blur_media", "updated_at")
    list_filter = ("blur_media",)
    search_fields = ("user__username",)
    date_hierarchy = "updated_at"
    list_select_related = ("user",)


@admin.register(ApiToken)
class ApiTokenAdmin(RoleAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked", "created_at")
    search_fields = ("user__username", "name", "prefix")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = ("user", "key_hash", "prefix", "created_at", "last_used_at")
    actions = ["revoke", export_as_csv]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are made by `manage.py create_api_token`, which shows the secret once.
        return False

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked=False).update(revoked=True)
        self.message_user(request, f"Revoked {count} token(s).")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "key", "method", "path", "status_code", "expires_at")
    list_filter = ("status_code", "method", "created_at")
    search_fields = ("key", "user__username", "path")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    exclude = ("response_body",)
