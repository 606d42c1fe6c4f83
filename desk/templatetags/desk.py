"""Template helpers of the review desk: role checks for navigation and display formatting."""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from dashboard import roles
from dashboard.constants import ClipStatus, DecisionAction, ReportReason
from dashboard.models import Platform
from dashboard.presets import platform_name, platform_table
from dashboard.signals import LEVEL_NAMES, SuspicionLevel
from detection.signals import describe_aggregation
from teamwork.constants import AppealState, PendingState

register = template.Library()


@register.filter
def is_senior(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return roles.is_senior(user)


@register.filter
def is_moderator(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return roles.is_moderator(user)


@register.filter
def clock(seconds: float | None) -> str:
    """Seconds as m:ss.s, the way a video player shows a moment."""
    if seconds is None:
        return ""
    minutes, rest = divmod(float(seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


@register.filter
def timings(values: Mapping[str, Any] | None) -> str:
    """A run's stage timings as "decode 120 ms · faces 31 ms · …"."""
    if not values:
        return ""
    return " · ".join(f"{stage} {float(ms):.0f} ms" for stage, ms in values.items())


@register.filter
def percent(done: int | None, total: int | None) -> int:
    if not total:
        return 0
    return round(100 * (done or 0) / total)


@register.filter
def age(moment: datetime | None) -> str:
    """How long ago, coarsely ("45 min", "3 h", "12 d"): cheap enough for every queue row."""
    if moment is None:
        return ""
    seconds = max(0, int((timezone.now() - moment).total_seconds()))
    if seconds < 3600:
        return _("%(n)d min") % {"n": seconds // 60}
    if seconds < 2 * 86400:
        return _("%(n)d h") % {"n": seconds // 3600}
    return _("%(n)d d") % {"n": seconds // 86400}


def time_left_text(deadline: datetime, now: datetime | None = None) -> str:
    """An SLA countdown as "3 h 50 min left" / "overdue by 12 min": the same rule and the same
    words as desk.js's formatLeft, which re-ticks it in the browser (so an htmx refresh of a
    fragment never switches the format)."""
    ms = (deadline - (now or timezone.now())).total_seconds() * 1000
    minutes = int(abs(ms) // 60000)
    hours, minutes = divmod(minutes, 60)
    if hours:
        text = _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    else:
        text = _("%(minutes)s min") % {"minutes": minutes}
    if ms < 0:
        return _("overdue by %(time)s") % {"time": text}
    return _("%(time)s left") % {"time": text}


@register.filter
def duration(value: timedelta | None) -> str:
    """A span of time as people read it ("3 h 12 min", "45 min", "2 d 4 h"): never
    Python's "3:12:07.481516"."""
    if value is None:
        return ""
    minutes = max(0, int(value.total_seconds() // 60))
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}


@register.filter
def time_left(deadline: datetime | None) -> str:
    return "" if deadline is None else time_left_text(deadline)


@register.filter(expects_localtime=True)
def stamp(moment: datetime | None, precision: str = "minutes") -> str:
    """A moment in the viewer's time zone with the zone's abbreviation: "2026-12-02 06:41 KST".

    `expects_localtime` has the template engine convert it to the zone the request activated
    (dashboard.locale); `precision` "seconds" adds them (the audit log), "date" keeps the day.
    """
    if moment is None:
        return ""
    fmt = {"seconds": "Y-m-d H:i:s T", "date": "Y-m-d"}.get(precision, "Y-m-d H:i T")
    return date_filter(moment, fmt)


@register.filter
def status_label(value: str | None) -> str:
    """A clip status code ("labeled") as the reader's language names it ("라벨 지정됨")."""
    if not value:
        return ""
    try:
        return str(ClipStatus(value).label)
    except ValueError:
        return value


def _choice_label(choices: type, value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def action_label(value: str | None) -> str:
    """A decision action code ("remove") as the reader's language names it."""
    return _choice_label(DecisionAction, value)


@register.filter
def report_reason(value: str | None) -> str:
    """A report reason code ("impersonation") in the reader's language."""
    return _choice_label(ReportReason, value)


@register.filter
def pending_state(value: str | None) -> str:
    return _choice_label(PendingState, value)


@register.filter
def appeal_state(value: str | None) -> str:
    return _choice_label(AppealState, value)


@register.filter
def suspicion_label(level: SuspicionLevel) -> str:
    """A suspicion level as the reader's language names it ("약함" for weak)."""
    return str(LEVEL_NAMES.get(level, level.label))


# The SLA bands' default names (settings) in the reader's language; names an admin gave
# bands are shown as they are.
BAND_NAMES = {
    "urgent": pgettext_lazy("SLA band", "urgent"),
    "high": pgettext_lazy("SLA band", "high"),
    "normal": pgettext_lazy("SLA band", "normal"),
    "low": pgettext_lazy("SLA band", "low"),
}


@register.filter
def band_label(name: str) -> str:
    return str(BAND_NAMES.get(name, name))


@register.filter(name="platform_name")
def platform_label(value: str | None) -> str:
    """A clip's platform in the reader's language when it is a preset (dashboard.presets)."""
    return platform_name(value or "")


@register.filter
def platform_in(value: str | None, table: dict[str, Platform] | None) -> str:
    """A clip's platform in the reader's language, looked up in a table read once per page
    (the `platforms` the context processor offers)."""
    return platform_name(value or "", dict(table or {}))


@register.filter
def policy_in(reason: str | None, names: Mapping[str, str] | None) -> str:
    """A reason in the reader's language: a removal policy in `names`, or a report's reason
    code ("deepfake"); anything else (a moderator's own words) as written."""
    if not reason:
        return ""
    if reason in (names or {}):
        return names[reason]
    return _choice_label(ReportReason, reason)


@register.filter
def aggregation_words(stored: str | None) -> str:
    """A run's clip-score rule in the reader's language (detection.signals)."""
    return describe_aggregation(stored or "")


@register.filter
def score(value: float | None, digits: int = 2) -> str:
    """A score with a fixed number of decimals (floatformat is too slow for every queue row)."""
    return "" if value is None else f"{value:.{int(digits)}f}"


@register.filter
def thousands(value: int | None) -> str:
    """A whole number with thousands separators ("1,250,000"); blank when unknown."""
    return "" if value is None else f"{int(value):,}"


@register.simple_tag
def queue_rows(rows: list[Any], platforms: dict[str, Platform] | None = None) -> str:
    """The queue table's rows, built in Python.

    The same markup as a template loop would give, at a fraction of its cost: at 100 rows the
    template engine's variable lookups were most of the page's server time (bench/queue_page.py).
    """
    platforms = platform_table() if platforms is None else platforms
    return mark_safe("".join(_queue_row(row, platforms) for row in rows))  # noqa: S308 - escaped


def _row_badges(row: Any) -> str:
    """The row's badges: known fake (with the banked decision), authentic source, protected
    person, two-person pending; read by the queue for the whole page (desk.queue)."""
    badges = []
    matches = getattr(row, "matches", None)
    if matches is not None and matches.known_fake:
        badges.append(
            (
                "known-fake",
                _("Known fake (%(decision)s)") % {"decision": matches.banked_decision},
            )
        )
    if matches is not None and matches.authentic_source:
        badges.append(("authentic-source", _("Authentic source")))
    if row.protected_person:
        badges.append(("protected-person", _("Protected person")))
    if row.two_person_pending:
        badges.append(("two-person", _("Two-person pending")))
    if not badges:
        return ""
    return format_html(
        ' <span class="badges">{}</span>',
        format_html_join(
            " ",
            '<span class="badge badge-{}" data-badge="{}">{}</span>',
            ((key, key, text) for key, text in badges),
        ),
    )


def _queue_row(row: Any, platforms: dict[str, Platform]) -> str:
    clip = row.clip
    if row.thumb_url:
        thumb = format_html(
            '<img class="thumb sensitive" src="{}" alt="{}" width="48" height="48" loading="lazy">',
            row.thumb_url,
            _("Face crop of clip %(clip)s") % {"clip": clip.short_id},
        )
    else:
        thumb = mark_safe('<span class="thumb thumb-empty" aria-hidden="true"></span>')
    clip_cell = format_html(
        '<td class="clip-cell">\n      <a href="{}">\n        {}\n        '
        '<span class="short-id">{}</span>\n      </a>\n      '
        '<span class="tag kind kind-{}" data-kind="{}">{}</span>\n      {}\n      {}\n    </td>',
        row.url,
        thumb,
        clip.short_id,
        clip.kind,
        clip.kind,
        clip.get_kind_display(),
        format_html('<span class="filename">{}</span>', clip.original_filename)
        if clip.original_filename
        else "",
        format_html('<span class="caption">{}</span>', row.caption) if row.caption else "",
    )
    if clip.status in ("queued", "scoring"):
        score_html = render_to_string("dashboard/_scoring_progress.html", {"clip": clip})
    elif clip.score is None:
        score_html = format_html('<span class="muted">{}</span>', _("not scored"))
    else:
        shown = score(clip.score)
        score_html = format_html(
            '<span class="score-bar"><meter min="0" max="1" low="0.5" high="0.8" optimum="0" '
            'value="{}" aria-label="{}">{}</meter> '
            '<span class="score-value">{}</span></span>',
            score(clip.score, 3),
            _("Detector score %(score)s") % {"score": shown},
            shown,
            shown,
        )
    if row.report_count:
        reported = format_html(
            '<span class="count">{}</span> · {}', row.report_count, ", ".join(row.reasons)
        )
    else:
        reported = "—"
    protected = _("protected person")
    persons = format_html_join(
        ", ",
        '<a href="{}">{}</a>{}',
        (
            (
                person.url,
                person.name,
                format_html(' <abbr title="{}">★</abbr>', protected) if person.protected else "",
            )
            for person in row.persons
        ),
    )
    if row.sla_running:
        due = row.sla_deadline
        sla = format_html(
            '<time class="countdown" data-countdown datetime="{}">{}</time>',
            date_filter(due, "c"),
            time_left_text(due),
        )
    else:
        sla = "—"
    holder = clip.claimed_by.username if clip.claimed_by_id else ""
    return format_html(
        '\n  <tr>\n    {}\n    <td class="score-cell">\n      {}\n    </td>\n'
        '    <td><span class="status status-{}">{}</span>{}</td>\n'
        "    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n"
        '    <td><time datetime="{}">{}</time></td>\n'
        "    <td>{}</td>\n    <td>{}</td>\n  </tr>\n  ",
        clip_cell,
        score_html,
        clip.status,
        clip.get_status_display(),
        _row_badges(row),
        reported,
        persons,
        platform_name(clip.platform, platforms) or "—",
        clip.created_at.isoformat(),
        age(clip.created_at),
        sla,
        holder or "—",
    )
