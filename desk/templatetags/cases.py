"""The case page's copy rows and timeline, built in Python.

A case may hold hundreds of copies; a template loop with URL reversals, filters and a form per
row cost seconds at 500 copies (bench/case_page.py), so the rows are formatted here with the
URLs reversed once.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_PLACEHOLDER = uuid.UUID(int=0)


def _url_maker(name: str, *before: object) -> Any:
    """A function of a public id giving the URL `name` takes it in (reversed once)."""
    pattern = reverse(name, args=[*before, _PLACEHOLDER])
    return lambda public_id: pattern.replace(str(_PLACEHOLDER), str(public_id))


def _stamp(moment: datetime) -> str:
    return date_filter(timezone.localtime(moment), "Y-m-d H:i T")


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    if minutes < 48 * 60:
        return _("%(n)d h") % {"n": minutes // 60}
    return _("%(n)d d") % {"n": minutes // (24 * 60)}


@register.simple_tag(takes_context=True)
def case_rows(context: Any, copies: list[Any], case: Any, senior: bool) -> SafeString:
    """One table row per copy: clip, platform, uploader, reach, status, best match share, and
    for seniors the form that takes it out of the case."""
    clip_url = _url_maker("dashboard:clip")
    remove_url = _url_maker("dashboard:case_remove", case.public_id)
    account_pattern = reverse("dashboard:account", args=[0]).replace("/0/", "/{}/")
    csrf = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', context.get("csrf_token", "")
    )
    why = _("Why it is not a copy")
    remove = _("Remove")
    rows = []
    for clip in copies:
        account = clip.account
        uploader = (
            format_html(
                '<a href="{}">{}</a>',
                account_pattern.format(account.pk),
                account.handle or account.account_id,
            )
            if account is not None
            else "—"
        )
        change = ""
        if senior:
            change = format_html(
                '<td><form method="post" action="{}" class="inline">{}'
                '<label class="visually-hidden" for="rm-{}">{}</label>'
                '<input type="text" id="rm-{}" name="reason" maxlength="500" required '
                'placeholder="{}"><button type="submit" class="small">{}</button></form></td>',
                remove_url(clip.public_id),
                csrf,
                clip.public_id,
                why,
                clip.public_id,
                why,
                remove,
            )
        rows.append(
            format_html(
                '<tr data-copy="{}"><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
                '<td>{}</td><td><span class="status status-{}">{}</span></td><td>{}</td>{}</tr>',
                clip.public_id,
                clip_url(clip.public_id),
                clip.short_id,
                clip.platform or "—",
                uploader,
                f"{clip.reach:,}" if clip.reach is not None else "—",
                clip.status,
                clip.get_status_display(),
                f"{clip.best_share:.2f}" if clip.best_share is not None else "—",
                change,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every part escaped by format_html


@register.simple_tag
def case_timeline(copies: list[Any]) -> SafeString:
    """When each copy appeared, oldest first, with how long after the first."""
    if not copies:
        return mark_safe("")
    first = copies[0].created_at
    items = []
    for index, clip in enumerate(copies):
        after = ""
        if index:
            after = format_html(
                ' <span class="muted">{}</span>',
                _("(%(delta)s after the first)") % {"delta": _span(clip.created_at - first)},
            )
        items.append(
            format_html(
                "<li>{} · {} · {}{}</li>",
                _stamp(clip.created_at),
                clip.short_id,
                clip.platform or "—",
                after,
            )
        )
    return mark_safe("".join(items))  # noqa: S308 - every part escaped by format_html
