"""The one CSV writer every export uses: cells a spreadsheet would run as formulas are defused.

Spreadsheet programs evaluate a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (OWASP's "CSV injection"); reporters control values such as ``platform`` or a
person's name, so every text cell that starts with one of them is written with a leading
apostrophe. Numbers (``int``/``float``) and text that is a plain number (``-1.5``) are left as
they are, and so are hex hashes, which never start with a trigger. A text cell that already
starts with an apostrophe gets a second one, so :func:`restore_cell` undoes the escape exactly
and an export imports back unchanged.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as it may be written to a CSV cell without a spreadsheet running it."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(ESCAPE):
        return ESCAPE + text
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return ESCAPE + text
    return text


def restore_cell(text: str) -> str:
    """The value :func:`safe_cell` wrote as ``text`` (for importing our own exports)."""
    if text.startswith(ESCAPE) and text[1:2] and text[1] in (*FORMULA_TRIGGERS, ESCAPE):
        return text[1:]
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class SafeWriter:
    """``csv.writer`` whose rows go through :func:`safe_cell`."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _Line:
    """A file-like object whose write() returns the line: csv.writer without a buffer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]], **kwargs: Any) -> Iterator[str]:
    """The header, then each row, as CSV text one line at a time (for streamed responses)."""
    writer = SafeWriter(_Line(), **kwargs)
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)
