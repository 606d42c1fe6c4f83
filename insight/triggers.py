# ruff: noqa: S608 - DDL assembled from model table and column names; no input reaches it.
"""Database triggers that mark the dashboard summary's hours stale, whoever changes the rows.

Every insert, update or delete of a row the summary counts appends a StaleHour row for each
UTC hour whose summary it changes: a clip's arrival and decision hours, the hours of every
decision on a clip when one is added (a later decision can overturn an earlier one), the
hour of the decision a label belongs to, the arrival hour of a clip a person is added to.
Triggers, not service calls, because decisions are written by the desk, by the two-person
rule and by imports and tests alike, and because a bulk_create or a queryset update sends no
signal: the summary is only as exact as its staleness marks are complete.

`install_triggers` runs after every `migrate` (and every test-database flush) and creates the
triggers that are missing. SQLite drops a table's triggers when a migration rebuilds that table,
so a missing trigger means changes may have gone unseen: then every hour is marked stale and
the next refreshes rebuild the whole summary. When a summary table starts reading another
column, add that column here (and bump TRIGGER_VERSION so existing databases re-install).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from dashboard.models import Clip, Decision
from insight.models import (
    ClipHour,
    DecisionHour,
    LabelHour,
    PersonHour,
    StaleHour,
    WaitHour,
)

TRIGGER_VERSION = 1
PREFIX = f"insight_v{TRIGGER_VERSION}_"


@dataclass(frozen=True)
class Watch:
    """Which times' hours go stale when a row of `table` is inserted, deleted or updated.

    `new` and `old` are SELECTs of one column `t` written with NEW./OLD. for the changed row;
    `changed` lists the columns whose update matters (others, like a claim, mark nothing).
    """

    name: str
    table: str
    new: str
    old: str
    changed: tuple[str, ...] = ()


def _watches() -> list[Watch]:
    clip, decision = Clip._meta.db_table, Decision._meta.db_table
    labels = Decision.labels.through._meta.db_table
    persons = Clip.persons.through._meta.db_table
    return [
        Watch(
            "clip",
            clip,
            new="SELECT NEW.created_at AS t UNION ALL SELECT NEW.decided_at",
            old="SELECT OLD.created_at AS t UNION ALL SELECT OLD.decided_at",
            changed=("created_at", "decided_at", "status", "platform"),
        ),
        Watch(
            "decision",
            decision,
            new=f"SELECT created_at AS t FROM {decision} WHERE clip_id = NEW.clip_id",
            old=(
                f"SELECT created_at AS t FROM {decision} WHERE clip_id = OLD.clip_id"
                " UNION ALL SELECT OLD.created_at"
            ),
            changed=("clip_id", "created_at", "moderator_id", "action"),
        ),
        Watch(
            "decision_label",
            labels,
            new=f"SELECT created_at AS t FROM {decision} WHERE id = NEW.decision_id",
            old=f"SELECT created_at AS t FROM {decision} WHERE id = OLD.decision_id",
            changed=("decision_id", "label_id"),
        ),
        Watch(
            "clip_person",
            persons,
            new=f"SELECT created_at AS t FROM {clip} WHERE id = NEW.clip_id",
            old=f"SELECT created_at AS t FROM {clip} WHERE id = OLD.clip_id",
            changed=("clip_id", "person_id"),
        ),
    ]


# --- SQLite ------------------------------------------------------------------------------------
# Django stores datetimes on SQLite as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]": the first 13
# characters are the hour, as insight.dbfunctions.BucketHour cuts them.


def _sqlite_mark(times: str) -> str:
    stale = StaleHour._meta.db_table
    return (
        f"INSERT INTO {stale} (hour, hour_end) "
        "SELECT DISTINCT substr(t, 1, 13) || ':00:00', datetime(substr(t, 1, 13) || ':00:00', "
        f"'+1 hour') FROM ({times}) WHERE t IS NOT NULL;"
    )


def _sqlite_ddl(watch: Watch) -> dict[str, str]:
    differs = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in watch.changed)
    both = f"{watch.old} UNION ALL {watch.new}"
    name = PREFIX + watch.name
    return {
        f"{name}_ins": f"CREATE TRIGGER {name}_ins AFTER INSERT ON {watch.table} "
        f"BEGIN {_sqlite_mark(watch.new)} END",
        f"{name}_del": f"CREATE TRIGGER {name}_del AFTER DELETE ON {watch.table} "
        f"BEGIN {_sqlite_mark(watch.old)} END",
        f"{name}_upd": f"CREATE TRIGGER {name}_upd AFTER UPDATE ON {watch.table} "
        f"WHEN {differs} BEGIN {_sqlite_mark(both)} END",
    }


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_functions(watches: Iterable[Watch]) -> list[str]:
    stale = StaleHour._meta.db_table
    out = [
        f"""CREATE OR REPLACE FUNCTION {PREFIX}mark(times timestamptz[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO {stale} (hour, hour_end)
  SELECT DISTINCT h, h + interval '1 hour'
  FROM (SELECT date_trunc('hour', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS h
        FROM unnest(times) AS t WHERE t IS NOT NULL) AS hours
$$"""
    ]
    for watch in watches:
        out.append(
            f"""CREATE OR REPLACE FUNCTION {PREFIX}{watch.name}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM {PREFIX}mark(ARRAY(SELECT t FROM ({watch.old}) AS old_times));
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    PERFORM {PREFIX}mark(ARRAY(SELECT t FROM ({watch.new}) AS new_times));
  END IF;
  RETURN NULL;
END
$$"""
        )
    return out


def _pg_ddl(watch: Watch) -> dict[str, str]:
    differs = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in watch.changed)
    name = PREFIX + watch.name
    function = f"{PREFIX}{watch.name}()"
    return {
        f"{name}_insdel": f"CREATE TRIGGER {name}_insdel AFTER INSERT OR DELETE ON {watch.table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}",
        f"{name}_upd": f"CREATE TRIGGER {name}_upd AFTER UPDATE ON {watch.table} "
        f"FOR EACH ROW WHEN ({differs}) EXECUTE FUNCTION {function}",
    }


# --- Installing --------------------------------------------------------------------------------


def _existing(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """Our triggers in the database: name -> table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'insight\\_v%' ESCAPE '\\'"
            )
        else:
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c "
                "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND t.tgname LIKE 'insight\\_v%'"
            )
        return dict(cursor.fetchall())


def install_triggers(using: str = "default") -> bool:
    """Create the missing staleness triggers and drop older versions; True when any was missing.

    When one was missing, changes may have gone unmarked: every hour with desk rows or summary
    rows is then marked stale, so the summary is rebuilt before it is trusted again.
    """
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"insight triggers for {connection.vendor}")
    watches = _watches()
    wanted: dict[str, str] = {}
    table_of: dict[str, str] = {}
    for watch in watches:
        ddl = _sqlite_ddl(watch) if connection.vendor == "sqlite" else _pg_ddl(watch)
        wanted |= ddl
        table_of |= dict.fromkeys(ddl, watch.table)
    existing = _existing(connection)
    missing = [name for name in wanted if name not in existing]
    obsolete = [name for name in existing if name not in wanted]
    if not missing and not obsolete:
        return False
    with connection.cursor() as cursor:
        for name in obsolete:
            on = "" if connection.vendor == "sqlite" else f" ON {existing[name]}"
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
        if connection.vendor == "postgresql":
            for statement in _pg_functions(watches):
                cursor.execute(statement)
        for name in missing:
            cursor.execute(wanted[name])
    if missing:
        mark_everything_stale(using)
    return bool(missing)


def mark_everything_stale(using: str = "default") -> None:
    """Mark every hour that has desk rows or summary rows: the next refreshes rebuild it all."""
    connection = connections[using]
    stale = StaleHour._meta.db_table
    sources = [(Clip._meta.db_table, "created_at"), (Clip._meta.db_table, "decided_at")]
    sources.append((Decision._meta.db_table, "created_at"))
    sources += [
        (model._meta.db_table, "hour")
        for model in (ClipHour, WaitHour, DecisionHour, LabelHour, PersonHour)
    ]
    times = " UNION ".join(
        f"SELECT DISTINCT {_hour_sql(connection, column)} AS h FROM {table}"
        f" WHERE {column} IS NOT NULL"
        for table, column in sources
    )
    end = "datetime(h, '+1 hour')" if connection.vendor == "sqlite" else "h + interval '1 hour'"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {stale} (hour, hour_end) SELECT h, {end} FROM ({times}) AS x")


def _hour_sql(connection: BaseDatabaseWrapper, column: str) -> str:
    if connection.vendor == "sqlite":
        return f"substr({column}, 1, 13) || ':00:00'"
    return f"date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"


def install_after_migrate(using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: install once the summary's tables exist (not when migrated back)."""
    connection = connections[using]
    if StaleHour._meta.db_table in connection.introspection.table_names():
        install_triggers(using)
