"""The API's views, one module per resource; rules live in the services they call."""

from dashboard.api.views.audit import AuditEventViewSet
from dashboard.api.views.catalog import LabelViewSet, PersonViewSet
from dashboard.api.views.clips import ClipViewSet
from dashboard.api.views.detectors import DetectorModelViewSet

__all__ = [
    "AuditEventViewSet",
    "ClipViewSet",
    "DetectorModelViewSet",
    "LabelViewSet",
    "PersonViewSet",
]
