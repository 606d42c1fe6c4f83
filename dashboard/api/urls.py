"""Routes of the REST API under /api/v1/."""

from rest_framework.routers import SimpleRouter

from dashboard.api import views
from provenance.api import urls as provenance_api_urls
from teamwork.api import urls as teamwork_api_urls

app_name = "api"

# Path converters (uuid, int, slug): malformed ids are 404s, and typed in the schema.
router = SimpleRouter(use_regex_path=False)
router.register("clips", views.ClipViewSet, basename="clip")
router.register("labels", views.LabelViewSet, basename="label")
router.register("persons", views.PersonViewSet, basename="person")
router.register("detector-models", views.DetectorModelViewSet, basename="detector-model")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls + teamwork_api_urls.urlpatterns + provenance_api_urls.urlpatterns
