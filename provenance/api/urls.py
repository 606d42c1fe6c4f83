"""Provenance routes, appended to the API's own under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from provenance.api import views

router = SimpleRouter(use_regex_path=False)
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [
    path(
        "clips/<uuid:public_id>/rendition/",
        views.ClipRenditionView.as_view(),
        name="clip-rendition",
    ),
    *router.urls,
]
