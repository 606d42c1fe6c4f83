"""Reads computed once while a page or an API answer is put together.

A review page asks several times for the same facts about one clip (its active detection run,
its bank matches, its Content Credentials): the panel, the signals and the template tags each
read them. Inside `read_once()` the first read is kept and the others reuse it; outside it (tasks,
services that write and then read again) every call reads the database as before. Only code that
writes nothing may open the scope.
"""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_kept: ContextVar[dict[Hashable, object] | None] = ContextVar("unmask_read_once", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Keep the reads made through `once` until the block ends."""
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def once(key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, or inside `read_once()` the value the first read under `key` returned."""
    kept = _kept.get()
    if kept is None:
        return read()
    if key not in kept:
        kept[key] = read()
    return kept[key]  # type: ignore[return-value]
