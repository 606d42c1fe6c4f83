"""django.contrib.admin's app, set to build the operators' site (dashboard/admin_site.py).

Kept apart from the site itself: INSTALLED_APPS imports this module before any model exists.
"""

from django.contrib.admin.apps import AdminConfig


class UnmaskAdminConfig(AdminConfig):
    default_site = "dashboard.admin_site.UnmaskAdminSite"
