"""What every API view shares: Idempotency-Key handling, and the services' errors as API errors."""

from rest_framework import viewsets
from rest_framework.views import APIView

from dashboard.api.idempotency import IdempotentPostMixin


class UnmaskViewSet(IdempotentPostMixin, viewsets.GenericViewSet):
    """A DRF viewset whose POSTs honour `Idempotency-Key`."""


class UnmaskAPIView(IdempotentPostMixin, APIView):
    """A DRF view whose POSTs honour `Idempotency-Key`."""
