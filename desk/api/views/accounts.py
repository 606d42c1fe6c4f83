"""Accounts: the uploaders reports named, and the items each posted (dashboard.accounts).

Moderators list every account; a reporter only the accounts that posted clips it submitted,
and of their items only those clips. The desk never acts on an account: a decision's
`account_recommendation` is sent to the platform in the webhook.
"""

from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard.accounts import account_items, visible_accounts, with_counts
from dashboard.api.base import UnmaskViewSet
from dashboard.api.pagination import AccountCursorPagination, ClipCursorPagination
from dashboard.api.permissions import CanReadAccounts
from dashboard.models import Account
from desk.api.serializers import AccountSerializer, ClipListSerializer
from desk.api.views.clips import _report_totals


@extend_schema_view(
    list=extend_schema(summary="Accounts that posted reported clips, last seen first"),
    retrieve=extend_schema(summary="One account, with counts of its removed and labelled items"),
)
class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, UnmaskViewSet):
    serializer_class = AccountSerializer
    permission_classes = [CanReadAccounts]
    pagination_class = AccountCursorPagination
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Account]:
        user = self.request.user
        return with_counts(visible_accounts(user), user)

    @extend_schema(
        summary="The items an account posted that you may read, newest first",
        responses={200: ClipListSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def items(self, request: Request, pk: int) -> Response:
        account = get_object_or_404(visible_accounts(request.user), pk=pk)
        clips = (
            account_items(account, request.user)
            .select_related("claimed_by", "account")
            .prefetch_related("persons")
            .annotate(report_total=Coalesce(_report_totals(), 0))
        )
        paginator = ClipCursorPagination()
        page = paginator.paginate_queryset(clips, request, view=self)
        return paginator.get_paginated_response(ClipListSerializer(page, many=True).data)
