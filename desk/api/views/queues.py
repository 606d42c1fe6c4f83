"""Queues: the routed queues with their open items, and whether Next clip serves the caller
from each (dashboard.queues). Read-only: queues and rules are set up in the admin."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard.api.base import UnmaskViewSet
from dashboard.api.permissions import IsModerator
from dashboard.queues import counts_by_queue, display_name, queue_counts, queues_for, worked_queues
from desk.api.serializers import QueueSerializer


class QueueViewSet(mixins.ListModelMixin, UnmaskViewSet):
    permission_classes = [IsModerator]
    serializer_class = QueueSerializer
    pagination_class = None

    @extend_schema(summary="The routed queues, their open items and whether you work them")
    def list(self, request: Request) -> Response:
        queues = queues_for(request.user)
        counts = counts_by_queue(queues, queue_counts())
        worked = {q.pk for q in worked_queues(request.user, queues)}
        rows = [
            {
                "slug": q.slug,
                "name": display_name(q),
                "order": q.order,
                "open_items": counts[q.pk],
                "worked_by_you": q.pk in worked,
            }
            for q in queues
        ]
        return Response(QueueSerializer(rows, many=True).data)
