"""The account behind a clip: who posted it on the platform, and what became of their items.

A report may name the uploader — the platform's own account id, a handle and a profile URL.
`uploader_for` validates it (a profile URL must be http(s); it is stored, never fetched) and
finds or creates the one `Account` per platform and account id, moving its last-seen time.
`file_report` (dashboard/reports.py) keeps it on the report, and on the clip when the report's
statements apply and the clip has no uploader yet (the first named uploader stays).

`account_counts` and `account_summary` are the review page's line ("3 removed, 1 labelled in 30
days"); `visible_accounts` is who may see which accounts:

- moderators (and seniors, admins) see every account;
- a reporter (an integration's token) sees only the accounts that posted clips it submitted —
  so never another platform's accounts, nor other integrations' reports about its own;
- anyone else sees none.

An account's items are always read through `dashboard.access.visible_clips`.

A repeat uploader weighs in the queue's priority (`repeat_uploader_points`, dashboard/priority.py).
The desk never acts on the platform: a decision only carries an `AccountRecommendation` that the
webhook sends (integrations/events.py) for the platform to act on.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboard.access import User, visible_clips
from dashboard.constants import ClipStatus
from dashboard.errors import ServiceError
from dashboard.models import Account, Clip
from dashboard.roles import is_moderator, is_reporter

# The window of the review page's line and of the repeat-uploader priority.
RECENT_DAYS = 30
MAX_ACCOUNT_ID = 200
MAX_HANDLE = 200
MAX_PROFILE_URL = 2000

_profile_url = URLValidator(schemes=["http", "https"])


class AccountError(ServiceError):
    """A report named its uploader in a way the desk cannot keep."""

    default_status = 400


@dataclass(frozen=True)
class Uploader:
    """The uploader a report names, as the caller sent it (validated by `clean_uploader`)."""

    account_id: str
    handle: str = ""
    profile_url: str = ""


def clean_uploader(account_id: str, handle: str = "", profile_url: str = "") -> Uploader | None:
    """The uploader of a report, or None when none was named; AccountError when malformed.

    The profile URL must be an http(s) URL; it is only stored and shown as text, never fetched.
    """
    account_id = (account_id or "").strip()
    handle = " ".join((handle or "").split())
    profile_url = (profile_url or "").strip()
    if not account_id:
        if handle or profile_url:
            raise AccountError(
                "uploader_id_required",
                _("Give the uploader's account id on the platform with its handle or URL."),
            )
        return None
    if len(account_id) > MAX_ACCOUNT_ID or len(handle) > MAX_HANDLE:
        raise AccountError("uploader_too_long", _("The uploader's id or handle is too long."))
    if profile_url:
        try:
            if len(profile_url) > MAX_PROFILE_URL:
                raise ValidationError("too long")
            _profile_url(profile_url)
        except ValidationError as exc:
            raise AccountError(
                "invalid_profile_url",
                _("The uploader's profile URL must be an http or https address."),
            ) from exc
    return Uploader(account_id=account_id, handle=handle, profile_url=profile_url)


def uploader_for(platform: str, uploader: Uploader) -> Account:
    """The Account of `uploader` on `platform`, created on first sight; last seen now.

    The handle and profile URL follow the latest report that gave them.
    """
    platform = " ".join((platform or "").split())
    if not platform:
        raise AccountError(
            "platform_required", _("Name the platform the uploader's account is on.")
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            account, created = Account.objects.get_or_create(
                platform=platform,
                account_id=uploader.account_id,
                defaults={
                    "handle": uploader.handle,
                    "profile_url": uploader.profile_url,
                    "first_seen": now,
                    "last_seen": now,
                },
            )
    except IntegrityError:  # created at the same instant by another report
        account, created = (
            Account.objects.get(platform=platform, account_id=uploader.account_id),
            False,
        )
    if not created:
        changes: dict[str, object] = {"last_seen": now}
        if uploader.handle:
            changes["handle"] = uploader.handle
        if uploader.profile_url:
            changes["profile_url"] = uploader.profile_url
        Account.objects.filter(pk=account.pk).update(**changes)
        for name, value in changes.items():
            setattr(account, name, value)
    return account


@dataclass(frozen=True)
class AccountCounts:
    items: int
    removed: int
    labelled: int
    removed_recent: int
    labelled_recent: int
    days: int = RECENT_DAYS


def account_counts(account: Account, user: User = None) -> AccountCounts:
    """What became of the account's items (those `user` may read; all when None): one query."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    clips = account.clips.all() if user is None else visible_clips(user, account.clips.all())
    recent = Q(decided_at__gte=since)
    row = clips.aggregate(
        items=Count("pk"),
        removed=Count("pk", filter=Q(status=ClipStatus.REMOVED)),
        labelled=Count("pk", filter=Q(status=ClipStatus.LABELED)),
        removed_recent=Count("pk", filter=Q(status=ClipStatus.REMOVED) & recent),
        labelled_recent=Count("pk", filter=Q(status=ClipStatus.LABELED) & recent),
    )
    return AccountCounts(**row)


def account_summary(counts: AccountCounts) -> str:
    """The review page's line: "3 removed, 1 labelled in 30 days"."""
    removed = ngettext("%(n)d removed", "%(n)d removed", counts.removed_recent) % {
        "n": counts.removed_recent
    }
    labelled = ngettext("%(n)d labelled", "%(n)d labelled", counts.labelled_recent) % {
        "n": counts.labelled_recent
    }
    return _("%(removed)s, %(labelled)s in %(days)d days") % {
        "removed": removed,
        "labelled": labelled,
        "days": counts.days,
    }


def visible_accounts(user: User, queryset: QuerySet[Account] | None = None) -> QuerySet[Account]:
    """The accounts `user` may see (module doc)."""
    accounts = Account.objects.all() if queryset is None else queryset
    if is_moderator(user):
        return accounts
    if is_reporter(user):
        return accounts.filter(
            pk__in=Clip.objects.filter(submitted_by=user, account__isnull=False).values(
                "account_id"
            )
        )
    return accounts.none()


def with_counts(accounts: QuerySet[Account], user: User) -> QuerySet[Account]:
    """`accounts` annotated with `item_total`, `removed_total` and `labelled_total`, counting
    only the items `user` may read (dashboard.access: a reporter, the clips it submitted).

    Correlated subqueries rather than a GROUP BY over every account's clips: the database
    counts only for the accounts of the page it returns (bench/case_page.py).
    """
    readable = visible_clips(user, Clip.objects.filter(account=OuterRef("pk")))

    def total(**status: object) -> Coalesce:
        counted = readable.filter(**status).order_by().values("account").annotate(n=Count("pk"))
        return Coalesce(Subquery(counted.values("n")[:1]), 0)

    return accounts.annotate(
        item_total=total(),
        removed_total=total(status=ClipStatus.REMOVED),
        labelled_total=total(status=ClipStatus.LABELED),
    )


def account_items(account: Account, user: User) -> QuerySet[Clip]:
    """The account's items that `user` may read, newest first."""
    return visible_clips(user, account.clips.all()).order_by("-created_at", "-pk")


def prior_actioned_items(clip: Clip) -> int:
    """How many other items of the clip's uploader were removed or labelled within the
    window (the repeat-uploader priority); one query, 0 without an uploader."""
    if clip.account_id is None:
        return 0
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    return (
        Clip.objects.filter(
            account_id=clip.account_id,
            status__in=(ClipStatus.REMOVED, ClipStatus.LABELED),
            decided_at__gte=since,
        )
        .exclude(pk=clip.pk)
        .count()
    )
