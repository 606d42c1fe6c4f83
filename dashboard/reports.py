"""Reports and what they state: the one writer of a Report, and the rule for its statements.

A report may state the clip's reach and the persons it depicts. Both raise the clip's priority
and decide which two-person policies cover it, so who may state them matters:

- A report by a moderator (any moderator role), by the clip's own submitter, or by the system
  applies at once: the clip keeps the largest reach stated and gains the persons named.
- Any other report — an integration's duplicate upload of a clip another integration or the
  desk submitted, the one way a reporter's report reaches such a clip — is recorded with what it
  stated and is *pending*: the clip's reach, persons and priority stay as they were (the report
  does not count towards the priority either) until a moderator accepts the statements on the
  review page; a moderator may also dismiss them. Accepting or dismissing needs the clip open and
  held by the moderator (a senior needs no claim), and is audited.

The clip keeps the largest reach any applied report stated: platform counts only grow, and
reports of the same clip would count the same views again if they were summed.

A report may also name the uploader (an `Account`, dashboard/accounts.py): it is kept on the
report, and becomes the clip's uploader when the statements apply and the clip has none yet.
"""

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.access import can_read_clip
from dashboard.constants import FINAL_STATES, DepictionSource, ReportReason, ReportStatement
from dashboard.errors import ServiceError
from dashboard.models import Account, Clip, Report
from dashboard.persons import MAX_SUBJECTS, depict_names
from dashboard.priority import refresh_priority
from dashboard.roles import is_moderator, is_senior
from dashboard.workflow import record_event


class ReportError(ServiceError):
    """A refused review of a report's statements."""

    default_status = 409


def statements_apply_at_once(clip: Clip, reporter: AbstractBaseUser | None) -> bool:
    """Whether what `reporter` states about `clip` applies without a moderator's review."""
    if reporter is None or is_moderator(reporter):
        return True
    return clip.submitted_by_id is not None and clip.submitted_by_id == reporter.pk


def raise_reach(clip: Clip, reach: int) -> bool:
    """Keep the larger of the clip's reach and `reach`; True when the clip's reach grew.

    One conditional UPDATE, so concurrent reports never lower it.
    """
    grew = (
        Clip.objects.filter(pk=clip.pk)
        .filter(Q(reach__isnull=True) | Q(reach__lt=reach))
        .update(reach=reach, updated_at=timezone.now())
    )
    if grew:
        clip.reach = reach
    else:
        clip.refresh_from_db(fields=["reach"])
    return bool(grew)


def _clean_subjects(subjects: Sequence[str]) -> list[str]:
    names = [" ".join(raw.split())[:200] for raw in list(subjects)[:MAX_SUBJECTS]]
    return list(dict.fromkeys(name for name in names if name))


def file_report(
    clip: Clip,
    reporter: AbstractBaseUser | None,
    *,
    reason: str = ReportReason.DEEPFAKE,
    note: str = "",
    subjects: Sequence[str] = (),
    reach: int | None = None,
    account: Account | None = None,
) -> Report:
    """Record a report on `clip`; apply its statements when the rule lets them (module doc).

    Call inside a transaction (ingest and the reports endpoint do); audited as clip.reported.
    """
    applies = statements_apply_at_once(clip, reporter)
    report = Report.objects.create(
        clip=clip,
        reporter=reporter,
        reason=reason,
        note=note,
        reach=reach,
        account=account,
        subjects=_clean_subjects(subjects),
        statement=ReportStatement.APPLIED if applies else ReportStatement.PENDING,
    )
    data: dict[str, object] = {
        "report": report.pk,
        "reason": reason,
        "statement": report.statement,
    }
    if reach is not None:
        data["reach"] = reach
    if account is not None:
        data["uploader"] = {"platform": account.platform, "account_id": account.account_id}
    if applies:
        if account is not None and clip.account_id is None:
            Clip.objects.filter(pk=clip.pk, account__isnull=True).update(account=account)
            clip.account = account
            data["uploader_set"] = True
        depict_names(clip, report.subjects, source=DepictionSource.REPORT, actor=reporter)
        if reach is not None:
            data["reach_raised"] = raise_reach(clip, reach)
    elif report.subjects:
        data["subjects"] = report.subjects
    record_event(clip, "clip.reported", actor=reporter, data=data)
    refresh_priority(clip)
    return report


def pending_reports(clip: Clip) -> QuerySet[Report]:
    """Reports whose statements wait for a moderator, oldest first (the review page's list)."""
    return (
        clip.reports.filter(statement=ReportStatement.PENDING)
        .select_related("reporter")
        .order_by("created_at", "pk")
    )


def _check_can_review(report: Report, clip: Clip, user: AbstractBaseUser) -> None:
    if not is_moderator(user) or not can_read_clip(user, clip):
        raise ReportError(
            "forbidden", _("Only moderators who may read the clip review reports."), 403
        )
    if clip.status in FINAL_STATES:
        raise ReportError(
            "already_decided",
            _("Clip %(short_id)s was already decided.") % {"short_id": clip.short_id},
        )
    if report.statement != ReportStatement.PENDING:
        raise ReportError("not_pending", _("This report's statements were already reviewed."))
    holds = clip.claimed_by_id == user.pk and (
        clip.claim_expires_at is None or clip.claim_expires_at >= timezone.now()
    )
    if not holds and not is_senior(user):
        raise ReportError(
            "not_held",
            _("Claim clip %(short_id)s before reviewing its reports.")
            % {"short_id": clip.short_id},
        )


def _locked(report_id: int) -> tuple[Report, Clip]:
    clip_id = Report.objects.values_list("clip_id", flat=True).get(pk=report_id)
    # The clip first, as every writer of a clip locks it: then its report.
    clip = Clip.objects.select_for_update().get(pk=clip_id)
    report = Report.objects.select_for_update().get(pk=report_id)
    return report, clip


def _mark(report: Report, statement: str, user: AbstractBaseUser) -> None:
    report.statement = statement
    report.statement_reviewed_by = user
    report.statement_reviewed_at = timezone.now()
    report.save(update_fields=["statement", "statement_reviewed_by", "statement_reviewed_at"])


def accept_statements(report_id: int, user: AbstractBaseUser) -> Report:
    """A moderator accepts a pending report's reach and persons: they now apply to the clip."""
    with transaction.atomic():
        report, clip = _locked(report_id)
        _check_can_review(report, clip, user)
        persons = depict_names(clip, report.subjects, source=DepictionSource.REPORT, actor=user)
        data: dict[str, object] = {
            "report": report.pk,
            "reporter": report.reporter.get_username() if report.reporter else None,
            "persons": [person.name for person in persons],
        }
        if report.reach is not None:
            data["reach"] = report.reach
            data["reach_raised"] = raise_reach(clip, report.reach)
        _mark(report, ReportStatement.APPLIED, user)
        record_event(clip, "report.statements_accepted", actor=user, data=data)
        refresh_priority(clip)
    return report


def dismiss_statements(report_id: int, user: AbstractBaseUser) -> Report:
    """A moderator dismisses a pending report's statements: the clip stays as it is."""
    with transaction.atomic():
        report, clip = _locked(report_id)
        _check_can_review(report, clip, user)
        _mark(report, ReportStatement.DISMISSED, user)
        record_event(
            clip,
            "report.statements_dismissed",
            actor=user,
            data={"report": report.pk, "reach": report.reach, "subjects": report.subjects},
        )
    return report
