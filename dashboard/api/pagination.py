"""Cursor pagination: stable pages over lists that change while a client walks them.

A cursor the API did not give out is a 400 `invalid_cursor` (DRF's default says 404, which would
claim the list itself does not exist).
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from dashboard.api.errors import ApiError


class _CursorPagination(CursorPagination):
    page_size_query_param = "page_size"

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ApiError("invalid_cursor", _("The cursor is not one this API gave out.")) from exc


class ClipCursorPagination(_CursorPagination):
    page_size = 25
    max_page_size = 100
    ordering = ("-created_at", "-pk")


class AuditCursorPagination(_CursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("-created_at", "-pk")


class NameCursorPagination(_CursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("name", "pk")


class AppealCursorPagination(_CursorPagination):
    page_size = 50
    max_page_size = 200
    # The Appeals queue's order: the longest-waiting appeal first.
    ordering = ("submitted_at", "pk")


class AccountCursorPagination(_CursorPagination):
    page_size = 50
    max_page_size = 200
    # The accounts seen most recently first (Account.last_seen is indexed).
    ordering = ("-last_seen", "-pk")


class CaseCursorPagination(_CursorPagination):
    page_size = 50
    max_page_size = 200
    # The newest case first (Case.created_at is indexed).
    ordering = ("-created_at", "-pk")
