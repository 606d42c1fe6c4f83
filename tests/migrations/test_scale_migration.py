"""Migration dashboard 0012 (keyset index, status counters, caption index) is reversible on
the suite's engine; the check runs in a process of its own (scale_check.py)."""

from tests.scratch import run_check


def test_scale_migration_runs_backwards_and_forwards(scratch_database_url, tmp_path):
    run_check("tests.migrations.scale_check", scratch_database_url, tmp_path, timeout=300)
