# ruff: noqa: S608 - SQL assembled from model table and column names; input goes as parameters.
"""Searching clips by caption, depicted person or short id, through indexes on both databases.

A caption search is a substring search ("kiss" finds "a kiss, off-screen"), served by a trigram
index so it does not read every caption:

- SQLite: an FTS5 virtual table with the trigram tokenizer over `Clip.caption`
  (`dashboard_clip_search`, external content: it stores the index, not a second copy), kept in
  step by triggers on the clip table. A phrase MATCH finds substrings of three characters or
  more, case-insensitively; shorter text falls back to LIKE (a scan, but such text matches
  nearly every caption anyway).
- PostgreSQL: a GIN index with `pg_trgm` on `UPPER(caption)`, the expression Django's
  `icontains` compares, so the ordinary lookup uses it. Creating the extension needs the right
  to; where the database refuses, the migration says so and search still works, by a scan.

Person names and aliases are matched in the (small) index of their spellings, as written or
normalised (`dashboard.models.PersonName`), and their clips found through the
clip-person index; a short id (hex digits) becomes a range of the public id's unique index.
Triggers are installed after every `migrate`, like dashboard/counters.py; when one was missing,
the FTS index is rebuilt from the clips.
"""

import logging
import uuid
from typing import Any

from django.db import DatabaseError, connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from dashboard.models import Clip, PersonName
from dashboard.names import normalise_name

log = logging.getLogger(__name__)

FTS_TABLE = "dashboard_clip_search"
TRGM_INDEX = "clip_caption_trgm"
TRIGGER_VERSION = 1
PREFIX = f"dashboard_search_v{TRIGGER_VERSION}_"
# The trigram tokenizer indexes runs of three characters; a shorter phrase cannot use it.
MIN_INDEXED_CHARS = 3
SHORT_ID_MAX_HEX = 32


def create_index(using: str = "default") -> None:
    """Create the caption index (migration 0008); idempotent."""
    connection = connections[using]
    clip = Clip._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(caption, "
                f"content='{clip}', content_rowid='id', tokenize='trigram')"
            )
            return
        if connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic(using=using):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            log.warning("pg_trgm is not available (%s): caption search will scan.", exc)
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON {clip} "
            "USING gin (UPPER(caption) gin_trgm_ops)"
        )


def drop_index(using: str = "default") -> None:
    """Remove the caption index and its triggers (migration 0008 backwards)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in _existing(using):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


def _sqlite_triggers() -> dict[str, str]:
    clip = Clip._meta.db_table
    add = f"INSERT INTO {FTS_TABLE} (rowid, caption) VALUES (NEW.id, NEW.caption);"
    remove = (
        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, caption) "
        "VALUES ('delete', OLD.id, OLD.caption);"
    )
    return {
        f"{PREFIX}ins": f"CREATE TRIGGER {PREFIX}ins AFTER INSERT ON {clip} BEGIN {add} END",
        f"{PREFIX}del": f"CREATE TRIGGER {PREFIX}del AFTER DELETE ON {clip} BEGIN {remove} END",
        f"{PREFIX}upd": f"CREATE TRIGGER {PREFIX}upd AFTER UPDATE OF caption ON {clip} "
        f"WHEN OLD.caption IS NOT NEW.caption BEGIN {remove} {add} END",
    }


def _existing(using: str) -> set[str]:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [PREFIX + "%"],
        )
        return {row[0] for row in cursor.fetchall()}


def install_triggers(using: str = "default") -> bool:
    """SQLite: create the missing triggers and rebuild the index then; True when any was."""
    if connections[using].vendor != "sqlite":
        return False
    wanted = _sqlite_triggers()
    missing = [name for name in wanted if name not in _existing(using)]
    if not missing:
        return False
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for name in missing:
            cursor.execute(wanted[name])
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
    return True


def install_after_migrate(using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: install once the FTS table exists (not when migrated back)."""
    connection = connections[using]
    if connection.vendor == "sqlite" and FTS_TABLE in connection.introspection.table_names():
        install_triggers(using)


def caption_matches(text: str, using: str = "default") -> Q:
    """Clips whose caption contains `text` (case-insensitive), through the index if it can."""
    if len(text) >= MIN_INDEXED_CHARS and connections[using].vendor == "sqlite":
        # A phrase: the text as one string of trigrams, double quotes doubled.
        phrase = '"' + text.replace('"', '""') + '"'
        matches = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        return Q(pk__in=RawSQL(matches, [phrase]))  # noqa: S611 - the text is a parameter
    return Q(caption__icontains=text)


def short_id_matches(text: str) -> Q | None:
    """Clips whose public id starts with the hex digits `text`, as a range of its index."""
    compact = text.replace("-", "").lower()
    if not compact or len(compact) > SHORT_ID_MAX_HEX:
        return None
    if any(c not in "0123456789abcdef" for c in compact):
        return None
    low = uuid.UUID(compact.ljust(SHORT_ID_MAX_HEX, "0"))
    high = uuid.UUID(compact.ljust(SHORT_ID_MAX_HEX, "f"))
    return Q(public_id__gte=low, public_id__lte=high)


def person_matches(text: str) -> QuerySet[PersonName]:
    """Ids of the persons a search names: any spelling (name or alias) containing `text`, as
    written or normalised (dashboard.names), so "Kim Da-mi" finds 김다미 aliased "kim dami"."""
    key = normalise_name(text)
    spelled = Q(name__icontains=text)
    if key:
        spelled |= Q(key__contains=key)
    return PersonName.objects.filter(spelled).values("person_id")


def clip_search(text: str, using: str = "default") -> Q:
    """The desk's search box: caption, a depicted person's name, or a short id.

    One set of matching ids (a UNION of the three), not an OR of three conditions: given an
    OR, PostgreSQL walks the queue's order index testing every open clip against it, while an
    `id IN (...)` lets it fetch the few matches through their indexes and sort them.
    """
    parts = [
        Clip.objects.filter(caption_matches(text, using)).values("pk").order_by(),
        Clip.persons.through.objects.filter(person_id__in=person_matches(text))
        .values("clip_id")
        .order_by(),
    ]
    by_id = short_id_matches(text)
    if by_id is not None:
        parts.append(Clip.objects.filter(by_id).values("pk").order_by())
    return Q(pk__in=parts[0].union(*parts[1:], all=True))
