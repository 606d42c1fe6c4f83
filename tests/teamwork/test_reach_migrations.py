"""The reach migrations on the suite's database engine (SQLite, and PostgreSQL in
scripts/test-suite): existing clips and policies survive with no reach, the default reach policy
is seeded, the column refuses a negative reach, and the migrations reverse cleanly.

They run in a separate process against a scratch database (reach_migrations_check.py): migrating
the suite's own test database back and forth would need a flush that other transactional tests
then trip over.
"""

import pytest
from django.core.management import call_command

from tests.scratch import run_check


@pytest.mark.slow
def test_reach_migrations_forward_and_back(scratch_database_url, tmp_path):
    run_check("tests.teamwork.reach_migrations_check", scratch_database_url, tmp_path)


def test_dashboard_and_teamwork_models_match_their_migrations():
    call_command("makemigrations", "dashboard", "teamwork", "--check", "--dry-run", verbosity=0)
