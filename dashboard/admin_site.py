"""The operators' admin site: Django's admin with the clip counts per status on its index page."""

from typing import Any

from django.apps import apps
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.db.models import Count
from django.http import HttpRequest
from django.template.response import TemplateResponse

from dashboard.constants import ClipStatus


class UnmaskAdminSite(AdminSite):
    site_header = "Unmask operations"
    site_title = "Unmask admin"
    index_title = "Operations"

    def status_counts(self) -> list[dict[str, Any]]:
        # Looked up at request time: this module loads with INSTALLED_APPS, before any model.
        clip_model = apps.get_model("dashboard", "Clip")
        counts = dict(clip_model.objects.order_by().values_list("status").annotate(n=Count("pk")))
        return [
            {"status": status.value, "label": status.label, "count": counts.get(status.value, 0)}
            for status in ClipStatus
        ]

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        context = {"clip_status_counts": self.status_counts(), **(extra_context or {})}
        return super().index(request, extra_context=context)


class UnmaskAdminConfig(AdminConfig):
    default_site = "dashboard.admin_site.UnmaskAdminSite"
