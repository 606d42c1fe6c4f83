"""Keyset pagination for the desk's pages: "the rows after this one", never "skip N rows".

An OFFSET reads and throws away every row before the page, so page 4,000 of a million-clip list
reads 100,000 rows; a keyset page starts from the last row's sort key through the index, so
every page costs the same. The position travels in the link as an opaque cursor (the sort
key's values, URL-safe); a cursor that does not parse is read as "from the start", because a
stale or edited link should open the list, not fail.

The order must end in a unique column (the primary key) so no two rows share a position: then
rows inserted or changed while someone pages through are either before the cursor or after it,
and no row is shown twice or skipped among those that did not move.
"""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

MAX_CURSOR_CHARS = 512


@dataclass(frozen=True)
class Key:
    """One column of a keyset order: its name and whether it sorts descending."""

    field: str
    descending: bool = False

    @property
    def order_by(self) -> str:
        return f"-{self.field}" if self.descending else self.field


def order_by(keys: Sequence[Key]) -> list[str]:
    return [key.order_by for key in keys]


def after(keys: Sequence[Key], values: Sequence[Any]) -> Q:
    """Rows strictly after the row whose sort key is `values`, in the order `keys`.

    Written as `first <= v AND (first < v OR (rest after))` so the leading comparison bounds an
    index range scan on both SQLite and PostgreSQL (a bare OR of ANDs would not).
    """
    if len(keys) != len(values):
        raise ValueError("a cursor value for every key")
    key, value = keys[0], values[0]
    beyond = "lt" if key.descending else "gt"
    if len(keys) == 1:
        return Q(**{f"{key.field}__{beyond}": value})
    reach = "lte" if key.descending else "gte"
    return Q(**{f"{key.field}__{reach}": value}) & (
        Q(**{f"{key.field}__{beyond}": value})
        | (Q(**{key.field: value}) & after(keys[1:], values[1:]))
    )


def row_key(keys: Sequence[Key], row: Any) -> list[Any]:
    """The sort key of `row` (a model instance or anything with those attributes)."""
    return [getattr(row, key.field) for key in keys]


def encode(values: Sequence[Any]) -> str:
    """An opaque, URL-safe cursor for a sort key (numbers, strings, aware datetimes)."""
    plain = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, size: int) -> list[Any] | None:
    """The sort key a cursor holds, or None for no cursor or one that is not ours."""
    if not cursor or len(cursor) > MAX_CURSOR_CHARS:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        plain = json.loads(raw)
        if not isinstance(plain, list) or len(plain) != size:
            return None
        values = [_value(item) for item in plain]
    except (ValueError, TypeError, KeyError):
        return None
    return values


def _value(item: Any) -> Any:
    if isinstance(item, dict):
        moment = datetime.fromisoformat(item["t"])
        if moment.tzinfo is None:
            raise ValueError("naive datetime in a cursor")
        return moment
    if item is None or isinstance(item, bool) or not isinstance(item, int | float | str):
        raise ValueError("unexpected cursor value")
    return item
