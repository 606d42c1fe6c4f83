"""Migrations dashboard 0014-0015 (person names normalised and indexed) are reversible and
normalise the persons already there; the check runs in a process of its own
(identity_check.py)."""

from tests.scratch import run_check


def test_identity_migrations_normalise_existing_persons_and_reverse(scratch_database_url, tmp_path):
    run_check("tests.migrations.identity_check", scratch_database_url, tmp_path, timeout=300)
