"""The API's views, one module per resource; rules live in the services they call."""

from desk.api.views.accounts import AccountViewSet
from desk.api.views.audit import AuditEventViewSet
from desk.api.views.catalog import LabelViewSet, PersonViewSet
from desk.api.views.clips import ClipViewSet
from desk.api.views.detectors import DetectorModelViewSet
from desk.api.views.queues import QueueViewSet

__all__ = [
    "AccountViewSet",
    "AuditEventViewSet",
    "ClipViewSet",
    "DetectorModelViewSet",
    "LabelViewSet",
    "PersonViewSet",
    "QueueViewSet",
]
