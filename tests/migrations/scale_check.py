"""Migration dashboard 0012 (issue 21) runs backwards and forwards on a desk holding clips.

Run by test_scale_migration.py in a process of its own against a scratch database (SQLite file
or a new PostgreSQL database): forwards, the counters and the caption index answer for the
clips already there; backwards to 0007, the counter table, FTS table and triggers are gone and
the clips stay; forwards again, both are rebuilt and include a clip added meanwhile.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.loader import MigrationLoader  # noqa: E402
from django.db.models import Count  # noqa: E402

from dashboard import counters, search  # noqa: E402
from dashboard.models import Clip  # noqa: E402

BEFORE = ("dashboard", "0011_depiction")


def make(n: int, status: str, caption: str) -> Clip:
    # The clip as the schema at BEFORE has it: columns added later (a clip's queue) are not
    # there yet when this runs.
    loader = MigrationLoader(connection)
    HistoricalClip = loader.project_state(BEFORE).apps.get_model("dashboard", "Clip")
    return HistoricalClip.objects.create(
        file=f"clips/{n}.mp4", sha256=f"{n:064x}", size_bytes=1, status=status, caption=caption
    )


def found(text: str) -> set[int]:
    return set(Clip.objects.filter(search.caption_matches(text)).values_list("pk", flat=True))


def exact() -> dict[str, int]:
    return {s: n for s, n in Clip.objects.order_by().values_list("status").annotate(n=Count("pk"))}


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall() if name.startswith("dashboard_")}


def main() -> None:
    call_command("migrate", *BEFORE, verbosity=0)
    old = [make(1, "queued", "a kiss, off-screen"), make(2, "approved", "nothing here")]
    call_command("migrate", verbosity=0)
    assert counters.status_counts() == {"queued": 1, "approved": 1}, counters.status_counts()
    assert found("kiss") == {old[0].pk}
    assert triggers()

    call_command("migrate", *BEFORE, verbosity=0)
    tables = connection.introspection.table_names()
    assert counters.TABLE not in tables and search.FTS_TABLE not in tables, tables
    assert not triggers(), triggers()
    assert Clip.objects.count() == 2
    added = make(3, "queued", "another kiss")  # while the counters are gone

    call_command("migrate", verbosity=0)
    assert counters.status_counts() == exact() == {"queued": 2, "approved": 1}
    assert found("kiss") == {old[0].pk, added.pk}
    print("ok")


if __name__ == "__main__":
    main()
