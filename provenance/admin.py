"""Operators' panel for hash banks: per-bank policy, entries (release from quarantine),
matches and background jobs (read-only), and export of a bank as HMA-style CSV. Import is the
``provenance_import`` command (large files belong on the command line, not in a form)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dashboard.admin_site import ReadOnlyAdmin, RoleAdmin
from dashboard.workflow import record_event
from provenance.exchange import export_bank_csv
from provenance.models import BankEntry, BankMatch, HashBank, ProvenanceJob


@admin.register(HashBank)
class HashBankAdmin(RoleAdmin):
    list_display = ("name", "kind", "enabled", "distance", "share", "auto_apply")
    list_filter = ("kind", "enabled", "auto_apply")
    actions = ("export_csv",)

    @admin.action(description="Export as HMA/ThreatExchange PDQ CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[HashBank]) -> HttpResponse:
        body = "".join(
            text if i == 0 else text.split("\n", 1)[1]
            for i, text in enumerate(export_bank_csv(bank) for bank in queryset.order_by("pk"))
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="pdq-bank-{stamp}.csv"'
        return response


@admin.register(BankEntry)
class BankEntryAdmin(RoleAdmin):
    list_display = ("id", "bank", "source", "clip", "person", "title", "frame_count",
                    "quarantined_at")  # fmt: skip
    list_filter = ("bank", "source")
    list_select_related = ("bank", "clip", "person")
    readonly_fields = (
        "source",
        "clip",
        "decision",
        "decision_action",
        "labels",
        "persons",
        "frame_count",
        "quarantined_at",
        "quarantine_reason",
        "created_at",
    )
    exclude = ("frame_hashes", "frame_valid", "frame_indices", "frame_times")
    actions = ("release_quarantine",)

    @admin.action(description="Release from quarantine")
    def release_quarantine(self, request: HttpRequest, queryset: QuerySet[BankEntry]) -> None:
        released = 0
        for entry in queryset.filter(quarantined_at__isnull=False):
            BankEntry.objects.filter(pk=entry.pk).update(quarantined_at=None, quarantine_reason="")
            record_event(
                entry.clip,
                "provenance.quarantine_released",
                actor=request.user,
                data={"entry": entry.pk},
            )
            released += 1
        self.message_user(request, f"Released {released} entries.", messages.SUCCESS)


@admin.register(BankMatch)
class BankMatchAdmin(ReadOnlyAdmin):
    list_display = ("clip", "entry", "query_share", "bank_share", "best_distance",
                    "matched_at", "marked_wrong_at")  # fmt: skip
    list_select_related = ("clip", "entry")


@admin.register(ProvenanceJob)
class ProvenanceJobAdmin(ReadOnlyAdmin):
    """Banking, matching and renditions asked for: pending ones are re-sent by the sweeper."""

    list_display = ("id", "kind", "state", "decision", "clip", "requested_at", "sent_at",
                    "sends", "done_at", "error")  # fmt: skip
    list_filter = ("kind", "state")
    list_select_related = ("decision", "clip")
