"""The operators' admin site and what its model admins share.

- `UnmaskAdminSite`: Django's admin for the Admin role only, with clip counts per status on its
  index page (installed through dashboard/admin_config.py). It logs in through the desk's login,
  so the authenticator's code is asked for there too.
- `RoleAdmin`: model admins whose permissions follow the Unmask role (Admin), not per-model
  Django permissions, so the panel matches the API's "admins do everything".
- `export_as_csv`: an action that writes the selected rows' list columns as CSV.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.utils import label_for_field, lookup_field
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from dashboard.constants import ClipStatus
from dashboard.csvsafe import SafeWriter
from dashboard.models import Clip
from dashboard.roles import is_admin


class UnmaskAdminSite(AdminSite):
    site_header = "Unmask operations"
    site_title = "Unmask admin"
    index_title = "Operations"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and is_admin(request.user)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # One login for desk and admin: the desk's asks for the authenticator's code.
        if request.user.is_authenticated:
            if not self.has_permission(request):
                raise PermissionDenied  # a desk account without the Admin role: no loop
            return HttpResponseRedirect(reverse("admin:index"))
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

    def status_counts(self) -> list[dict[str, Any]]:
        counts = dict(Clip.objects.order_by().values_list("status").annotate(n=Count("pk")))
        return [
            {"status": status.value, "label": status.label, "count": counts.get(status.value, 0)}
            for status in ClipStatus
        ]

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        context = {"clip_status_counts": self.status_counts(), **(extra_context or {})}
        return super().index(request, extra_context=context)


class RoleAdmin(admin.ModelAdmin):
    """Everything in the panel is for the Admin role; read-only admins narrow it further."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)


class ReadOnlyAdmin(RoleAdmin):
    """Append-only records: visible to operators, never edited or deleted through the panel."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Related history shown on a record's page, to Admins, never edited there."""

    extra = 0
    can_delete = False
    max_num = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description="Export selected rows as CSV", permissions=["view"])
def export_as_csv(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Model]
) -> HttpResponse:
    columns = [c for c in model_admin.get_list_display(request) if c != "action_checkbox"]
    model = queryset.model
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{model._meta.model_name}-{stamp}.csv"'
    writer = SafeWriter(response)
    writer.writerow([capfirst(str(label_for_field(c, model, model_admin))) for c in columns])
    for obj in queryset:
        writer.writerow([lookup_field(c, obj, model_admin)[2] for c in columns])
    return response
