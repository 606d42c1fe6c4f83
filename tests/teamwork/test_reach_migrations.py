"""The reach migrations on the suite's database engine (SQLite, and PostgreSQL in
scripts/test-suite): existing clips and policies survive with no reach, the default reach policy
is seeded, the column refuses a negative reach, and the migrations reverse cleanly.

They run in a separate process against a scratch database (reach_migrations_check.py): migrating
the suite's own test database back and forth would need a flush that other transactional tests
then trip over.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_database_url(tmp_path) -> Iterator[str]:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    assert db["ENGINE"].endswith("postgresql"), db["ENGINE"]
    name = f"unmask_migrations_{uuid.uuid4().hex[:12]}"
    server = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    try:
        yield f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_reach_migrations_forward_and_back(scratch_database_url, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": scratch_database_url,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "UNMASK_VAR_DIR": str(tmp_path / "var"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.teamwork.reach_migrations_check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip().splitlines()[-1] == "ok"


def test_dashboard_and_teamwork_models_match_their_migrations():
    call_command("makemigrations", "dashboard", "teamwork", "--check", "--dry-run", verbosity=0)
