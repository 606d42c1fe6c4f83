"""Team-workflow routes, appended to the API's own under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from teamwork.api import views

router = SimpleRouter(use_regex_path=False)
router.register("appeals", views.AppealViewSet, basename="appeal")

urlpatterns = [
    path("clips/<uuid:public_id>/appeals/", views.ClipAppealsView.as_view(), name="clip-appeals"),
    path(
        "clips/<uuid:public_id>/evidence-packs/",
        views.ClipEvidencePacksView.as_view(),
        name="clip-evidence-packs",
    ),
    path(
        "evidence-packs/<int:pack_id>/download/",
        views.EvidencePackDownloadView.as_view(),
        name="evidence-pack-download",
    ),
    *router.urls,
]
