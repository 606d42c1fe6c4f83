"""The case page's copy rows and timeline, built in Python.

A case may hold hundreds of copies; a template loop with URL reversals, filters and a form per
row cost seconds at 500 copies (bench/case_page.py), so the rows are formatted here with the
URLs reversed once.
"""

import uuid
from datetime import datetime, timedelta
from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dashboard.constants import ClipStatus

register = template.Library()

_PLACEHOLDER = uuid.UUID(int=0)


def _url_maker(name: str, *before: object) -> Any:
    """A function of a public id giving the URL `name` takes it in (reversed once)."""
    pattern = reverse(name, args=[*before, _PLACEHOLDER])
    return lambda public_id: pattern.replace(str(_PLACEHOLDER), str(public_id))


def _stamp(moment: datetime) -> str:
    # As the `stamp` filter shows it ("2026-12-02 06:41 KST"), without dateformat's cost per row.
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


class _Spans:
    """ "45 min", "3 h", "12 d" as the `age` filter words them, translated once per page."""

    def __init__(self) -> None:
        self.formats = (_("%(n)d min"), _("%(n)d h"), _("%(n)d d"))

    def __call__(self, delta: timedelta) -> str:
        minutes = int(delta.total_seconds()) // 60
        if minutes < 60:
            return self.formats[0] % {"n": minutes}
        if minutes < 48 * 60:
            return self.formats[1] % {"n": minutes // 60}
        return self.formats[2] % {"n": minutes // (24 * 60)}


@register.simple_tag(takes_context=True)
def case_rows(context: Any, copies: list[Any], case: Any, senior: bool) -> SafeString:
    """One table row per copy: clip, platform, uploader, reach, status, best match share, and
    for seniors the form that takes it out of the case.

    Plain f-strings with every text from a person escaped (`escape`): format_html's per-argument
    cost was most of the page at 500 copies. Ids, numbers and status codes need no escaping.
    """
    clip_url = _url_maker("dashboard:clip")
    remove_url = _url_maker("dashboard:case_remove", case.public_id)
    account_pattern = reverse("dashboard:account", args=[0]).replace("/0/", "/{}/")
    csrf = escape(str(context.get("csrf_token", "")))
    why = escape(_("Why it is not a copy"))
    remove = escape(_("Remove"))
    statuses = {value: escape(str(label)) for value, label in ClipStatus.choices}
    rows = []
    for clip in copies:
        public_id = str(clip.public_id)
        account = clip.account
        uploader = "—"
        if account is not None:
            name = escape(account.handle or account.account_id)
            uploader = f'<a href="{account_pattern.format(account.pk)}">{name}</a>'
        change = ""
        if senior:
            change = (
                f'<td><form method="post" action="{remove_url(public_id)}" class="inline">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
                f'<label class="visually-hidden" for="rm-{public_id}">{why}</label>'
                f'<input type="text" id="rm-{public_id}" name="reason" maxlength="500" required '
                f'placeholder="{why}"><button type="submit" class="small">{remove}</button>'
                "</form></td>"
            )
        reach = f"{clip.reach:,}" if clip.reach is not None else "—"
        share = f"{clip.best_share:.2f}" if clip.best_share is not None else "—"
        status = escape(clip.status)
        rows.append(
            f'<tr data-copy="{public_id}"><td><a href="{clip_url(public_id)}">'
            f"{public_id[:8]}</a></td><td>{escape(clip.platform) or '—'}</td><td>{uploader}</td>"
            f'<td>{reach}</td><td><span class="status status-{status}">'
            f"{statuses.get(clip.status, status)}</span></td><td>{share}</td>{change}</tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every text from a person is escaped


@register.simple_tag
def case_timeline(copies: list[Any]) -> SafeString:
    """When each copy appeared, oldest first, with how long after the first."""
    if not copies:
        return mark_safe("")
    first = copies[0].created_at
    span = _Spans()
    after_first = _("(%(delta)s after the first)")
    items = []
    for index, clip in enumerate(copies):
        after = ""
        if index:
            delta = escape(after_first % {"delta": span(clip.created_at - first)})
            after = f' <span class="muted">{delta}</span>'
        items.append(
            f"<li>{escape(_stamp(clip.created_at))} · {clip.public_id.hex[:8]} · "
            f"{escape(clip.platform) or '—'}{after}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 - every text from a person is escaped
