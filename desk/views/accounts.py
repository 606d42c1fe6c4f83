"""The account page: every item one uploader posted that the moderator may read, with its
status and decisions, the counts of removals and labels, and when it was first and last seen
(dashboard.accounts)."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from dashboard.access import moderator_required
from dashboard.accounts import account_counts, account_items, account_summary
from dashboard.models import Account, Decision

# The page lists the latest items; an account with more says so (the API pages through all).
ITEMS_SHOWN = 500


@require_GET
@moderator_required
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=account_id)
    counts = account_counts(account, request.user)
    items = list(
        account_items(account, request.user).prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("moderator")
                .prefetch_related("labels")
                .order_by("created_at", "pk"),
            )
        )[:ITEMS_SHOWN]
    )
    return render(
        request,
        "dashboard/account.html",
        {
            "account": account,
            "counts": counts,
            "summary": account_summary(counts),
            "items": items,
            "more": counts.items > len(items),
        },
    )
