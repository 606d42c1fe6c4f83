"""Database expressions the dashboard needs fast on SQLite as well as on PostgreSQL.

Django implements TruncHour/TruncDay and datetime subtraction on SQLite as Python functions
called once per row, which over 100,000 rows costs hundreds of milliseconds each. When the
current time zone is UTC (stored datetimes are UTC), cutting the stored text and SQLite's
julianday() give the same answers natively; any other zone falls back to Django's functions, and
PostgreSQL always uses its own.
"""

from typing import Any

from django.db.models import FloatField, Func
from django.db.models.functions import TruncDay, TruncHour


class _NativeUtcTrunc:
    # Django stores datetimes on SQLite as "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC: cutting the
    # text is the truncation, and far cheaper than parsing it with strftime().
    sqlite_prefix = 0
    sqlite_suffix = ""

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        if self.get_tzname() not in (None, "UTC"):  # type: ignore[attr-defined]
            return self.as_sql(compiler, connection, **extra)  # type: ignore[attr-defined]
        sql, params = compiler.compile(self.lhs)  # type: ignore[attr-defined]
        return f"(substr({sql}, 1, {self.sqlite_prefix}) || %s)", [*params, self.sqlite_suffix]


class BucketHour(_NativeUtcTrunc, TruncHour):
    sqlite_prefix = 13
    sqlite_suffix = ":00:00"


class BucketDay(_NativeUtcTrunc, TruncDay):
    sqlite_prefix = 10
    sqlite_suffix = " 00:00:00"


class SecondsBetween(Func):
    """end - start in seconds, as a float."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return f"EXTRACT(EPOCH FROM ({end} - {start}))", [*end_params, *start_params]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return (
            f"((julianday({end}) - julianday({start})) * 86400.0)",
            [*end_params, *start_params],
        )
