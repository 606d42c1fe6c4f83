# ruff: noqa: S608 - SQL assembled from model table and column names; no input reaches it.
"""Clips per status, kept by the database as clips change: the queue's tabs never count rows.

Counting 400,000 approved clips reads 400,000 index entries whatever the index, so the tabs read
a counter instead. Triggers on the clip table append one row per change to
`dashboard_clip_status_delta` (+1 for the new status, -1 for the old), whoever writes the clip —
the desk, a worker, bulk_create, a queryset update, an import. Appending instead of updating one
row per status means two transactions never wait on (or deadlock over) the same counter row.
`compact_status_counts` (a beat job, every minute) folds the appended rows into one per status,
so reading stays a sum over a few rows.

The counts are exact as of the last commit. Like insight's triggers, they are installed after
every `migrate` (SQLite drops a table's triggers when a migration rebuilds it); when one was
missing, changes may have gone uncounted, so the counters are rebuilt from the clips then.
"""

from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from dashboard.models import Clip

TABLE = "dashboard_clip_status_delta"
TRIGGER_VERSION = 1
PREFIX = f"dashboard_counts_v{TRIGGER_VERSION}_"


def _clip_table() -> str:
    return Clip._meta.db_table


def create_table_sql(vendor: str) -> str:
    """The counter table (created by migration 0008)."""
    key = "INTEGER PRIMARY KEY AUTOINCREMENT" if vendor == "sqlite" else "BIGSERIAL PRIMARY KEY"
    return (
        f"CREATE TABLE IF NOT EXISTS {TABLE} "
        f"(id {key}, status varchar(20) NOT NULL, delta bigint NOT NULL)"
    )


def _triggers(vendor: str) -> dict[str, list[str]]:
    """Trigger name -> the statements creating it (PostgreSQL also needs its function)."""
    clip = _clip_table()
    if vendor == "sqlite":
        add = f"INSERT INTO {TABLE} (status, delta) VALUES"
        return {
            f"{PREFIX}ins": [
                f"CREATE TRIGGER {PREFIX}ins AFTER INSERT ON {clip} "
                f"BEGIN {add} (NEW.status, 1); END"
            ],
            f"{PREFIX}del": [
                f"CREATE TRIGGER {PREFIX}del AFTER DELETE ON {clip} "
                f"BEGIN {add} (OLD.status, -1); END"
            ],
            f"{PREFIX}upd": [
                f"CREATE TRIGGER {PREFIX}upd AFTER UPDATE OF status ON {clip} "
                f"WHEN OLD.status IS NOT NEW.status "
                f"BEGIN {add} (OLD.status, -1), (NEW.status, 1); END"
            ],
        }
    function = f"""CREATE OR REPLACE FUNCTION {PREFIX}count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM {TABLE};
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO {TABLE} (status, delta) VALUES (OLD.status, -1);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO {TABLE} (status, delta) VALUES (NEW.status, 1);
  END IF;
  RETURN NULL;
END
$$"""
    run = f"EXECUTE FUNCTION {PREFIX}count()"
    return {
        f"{PREFIX}insdel": [
            function,
            f"CREATE TRIGGER {PREFIX}insdel AFTER INSERT OR DELETE ON {clip} FOR EACH ROW {run}",
        ],
        f"{PREFIX}upd": [
            function,
            f"CREATE TRIGGER {PREFIX}upd AFTER UPDATE OF status ON {clip} FOR EACH ROW "
            f"WHEN (OLD.status IS DISTINCT FROM NEW.status) {run}",
        ],
        # A flush (TRUNCATE) fires no row trigger: start the counters again from nothing.
        f"{PREFIX}trunc": [
            function,
            f"CREATE TRIGGER {PREFIX}trunc AFTER TRUNCATE ON {clip} FOR EACH STATEMENT {run}",
        ],
    }


def _existing(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [PREFIX + "%"],
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                [PREFIX + "%"],
            )
        return {row[0] for row in cursor.fetchall()}


def install_triggers(using: str = "default") -> bool:
    """Create the missing counting triggers; True (and the counters rebuilt) when any was."""
    connection = connections[using]
    wanted = _triggers(connection.vendor)
    missing = [name for name in wanted if name not in _existing(connection)]
    if not missing:
        return False
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for name in missing:
            for statement in wanted[name]:
                cursor.execute(statement)
        rebuild_status_counts(using)
    return True


def drop_triggers(using: str = "default") -> None:
    """Remove the triggers (migration 0008 backwards)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for name in _existing(connection):
            on = "" if connection.vendor == "sqlite" else f" ON {_clip_table()}"
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {PREFIX}count()")


def rebuild_status_counts(using: str = "default") -> None:
    """Count the clips once (a full scan) and start the counters from that."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(
            f"INSERT INTO {TABLE} (status, delta) "
            f"SELECT status, COUNT(*) FROM {_clip_table()} GROUP BY status"
        )


def status_counts(using: str = "default") -> dict[str, int]:
    """Clips per status (statuses with none are absent); reads the counter rows only."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT status, SUM(delta) FROM {TABLE} GROUP BY status")
        return {status: int(total) for status, total in cursor.fetchall() if total}


def compact_status_counts(using: str = "default") -> int:
    """Fold the appended rows into one per status; returns how many rows were folded.

    Only rows up to the highest id read are folded, so rows other transactions append meanwhile
    stay for the next run. On PostgreSQL a row appended by a transaction still open has an id
    below that highest one: it is deleted only if this transaction sees it, so nothing is lost.
    """
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id), COUNT(*) FROM {TABLE}")
        top, rows = cursor.fetchone()
        if not top or rows <= len(_statuses()):
            return 0
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH folded AS (DELETE FROM {TABLE} WHERE id <= %s RETURNING status, delta) "
                f"INSERT INTO {TABLE} (status, delta) "
                "SELECT status, SUM(delta) FROM folded GROUP BY status HAVING SUM(delta) <> 0",
                [top],
            )
        else:
            cursor.execute(
                f"SELECT status, SUM(delta) FROM {TABLE} WHERE id <= %s GROUP BY status", [top]
            )
            sums = [(status, total) for status, total in cursor.fetchall() if total]
            cursor.execute(f"DELETE FROM {TABLE} WHERE id <= %s", [top])
            cursor.executemany(f"INSERT INTO {TABLE} (status, delta) VALUES (%s, %s)", sums)
        return rows


def _statuses() -> list[str]:
    return [value for value, _ in Clip._meta.get_field("status").choices]


def install_after_migrate(using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: install once the counter table exists (not when migrated back)."""
    if TABLE in connections[using].introspection.table_names():
        install_triggers(using)
