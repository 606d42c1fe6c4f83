"""The desk's API routes (clips, labels, persons, detector models, audit), mounted by config."""

from rest_framework.routers import SimpleRouter

from desk.api import views

# Path converters (uuid, int, slug): malformed ids are 404s, and typed in the schema.
router = SimpleRouter(use_regex_path=False)
router.register("clips", views.ClipViewSet, basename="clip")
router.register("labels", views.LabelViewSet, basename="label")
router.register("persons", views.PersonViewSet, basename="person")
router.register("detector-models", views.DetectorModelViewSet, basename="detector-model")
router.register("queues", views.QueueViewSet, basename="queue")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
