"""A scratch database for checks that migrate a schema back and forth (tests/migrations, the
reach migrations): an SQLite file, or a new PostgreSQL database when the suite runs on
PostgreSQL, dropped afterwards. The check runs in a process of its own, so the suite's test
database and its flushes are never involved.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def scratch_database(tmp_path: Path) -> Iterator[str]:
    """Yield the DATABASE_URL of an empty database on the suite's engine; drop it afterwards."""
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


def run_check(module: str, database_url: str, tmp_path: Path, timeout: int = 300) -> None:
    """Run `python -m module` against `database_url`; fail unless it exits 0 printing "ok"."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "UNMASK_VAR_DIR": str(tmp_path / "var"),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip().splitlines()[-1] == "ok", done.stdout[-2000:]
