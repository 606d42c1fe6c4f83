"""An operator's existing desk upgrades: every migration newer than the last landed release
(landed.LANDED) runs forward on a database holding a desk's data, the data survives, and the
desk works on it. The migrating runs in a process of its own (upgrade_check.py) against a
scratch database on the suite's engine: an SQLite file, or a new PostgreSQL database.
"""

import pytest
from django.db.migrations.loader import MigrationLoader

from tests.migrations.landed import LANDED
from tests.scratch import run_check


@pytest.mark.slow
def test_a_seeded_landed_desk_migrates_to_the_latest_schema(scratch_database_url, tmp_path):
    run_check("tests.migrations.upgrade_check", scratch_database_url, tmp_path, timeout=120)


def test_every_newer_migration_builds_on_the_landed_schema():
    """Each app's newest migration descends from its landed one, so the upgrade check runs
    every migration added since (none is on a branch of the graph that skips LANDED)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    leaves = {app: name for app, name in graph.leaf_nodes()}
    for app, landed in LANDED.items():
        assert (app, landed) in graph.nodes, f"{app}.{landed} was renamed or deleted"
        assert (app, landed) in graph.forwards_plan((app, leaves[app])), (app, leaves[app])
