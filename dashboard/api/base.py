"""What every API view shares: Idempotency-Key handling, and the services' errors as API errors."""

from rest_framework import viewsets
from rest_framework.views import APIView

from dashboard.api.errors import ApiError
from dashboard.api.idempotency import IdempotentPostMixin
from dashboard.claims import ClaimError
from dashboard.decisions import DecisionError


class UnmaskViewSet(IdempotentPostMixin, viewsets.GenericViewSet):
    """A DRF viewset whose POSTs honour `Idempotency-Key`."""


class UnmaskAPIView(IdempotentPostMixin, APIView):
    """A DRF view whose POSTs honour `Idempotency-Key`."""


def service_error(exc: ClaimError | DecisionError) -> ApiError:
    """A refusal from the claims or decisions service, with its own code and status."""
    return ApiError(exc.code, exc.message, exc.status)
