"""Top-level routes: the desk, the API and its schema and docs, the admin, login, the probes.

Django's own error pages answer JSON under /api/ (the API's error format) and HTML elsewhere.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)

from config.ops import health, metrics
from desk.views import account

urlpatterns = [
    # For load balancers and Prometheus: outside /api/ (no DRF auth or throttles), no login.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", include("desk.urls")),
    path("team/", include("teamwork.urls")),
    path("insight/", include("insight.urls")),
    path("provenance/", include("provenance.urls")),
    path("routing/", include("routing.urls")),
    path("login/", account.UnmaskLoginView.as_view(), name="login"),
    # The page scripts' strings in the request's language (locale/*/LC_MESSAGES/djangojs.po).
    # Pages ask for it as jsi18n/?lang=<code>, so a browser keeps one copy per language for an
    # hour instead of fetching it before every page's scripts run (the next clip's page too).
    path(
        "jsi18n/",
        cache_control(max_age=3600, private=True)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    # The login's second step and enrolling an authenticator (dashboard/twofactor.py).
    path("login/code/", account.otp_verify, name="otp_verify"),
    path("account/two-factor/", account.otp_setup, name="otp_setup"),
    path("account/profile/", account.profile, name="profile"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "dashboard.api.errors.bad_request"
handler403 = "dashboard.api.errors.permission_denied"
handler404 = "dashboard.api.errors.not_found"
handler500 = "dashboard.api.errors.server_error"
