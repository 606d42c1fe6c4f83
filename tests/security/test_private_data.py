"""var/, the SQLite database, media and keys are owner-only; webhook secrets are encrypted.

A local user must not read session keys, password hashes, clips or the key that signs our
webhooks: files are created under umask 077 with owner-only modes, a system check warns about
any group or world bit, and webhook secrets sit in the database only as Fernet tokens.
"""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dashboard.checks import check_generated_secrets, check_private_paths
from integrations.models import WebhookEndpoint
from integrations.signing import compute_signature, verify_signature
from tests.security.test_operator_commands import ROOT, clean_env


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_desk_creates_var_database_and_keys_owner_only(tmp_path):
    """Even when started with a permissive umask (022), nothing under var/ is readable by others."""
    var = tmp_path / "var"
    env = clean_env(UNMASK_VAR_DIR=str(var))
    result = subprocess.run(
        ["bash", "-c", f"umask 022; exec {sys.executable} manage.py migrate --noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert mode(var) == 0o700
    for sub in ("media", "tmp", "broker", "broker/queue"):
        assert mode(var / sub) == 0o700, sub
    for name in ("unmask.sqlite3", "secret_key", "field_key"):
        assert mode(var / name) == 0o600, name
    for journal in var.glob("unmask.sqlite3-*"):
        assert mode(journal) == 0o600, journal.name
    assert "unmask.W001" not in result.stderr


def test_stored_media_is_owner_only_whatever_the_umask(tmp_path):
    storage = FileSystemStorage(location=tmp_path / "media")
    previous = os.umask(0o022)
    try:
        name = storage.save("clips/2026/a.mp4", ContentFile(b"\x00" * 16))
    finally:
        os.umask(previous)
    assert mode(tmp_path / "media" / name) == 0o600
    assert mode(tmp_path / "media" / "clips") == 0o700


def _private_tree(root: Path) -> tuple[Path, Path]:
    var = root / "var"
    media = var / "media"
    media.mkdir(parents=True, mode=0o700)
    var.chmod(0o700)
    return var, media


def test_check_warns_when_var_or_media_or_keys_are_readable_by_others(tmp_path, settings):
    var, media = _private_tree(tmp_path)
    key = var / "secret_key"
    key.write_text("k")
    key.chmod(0o600)
    settings.VAR_DIR = var
    settings.MEDIA_ROOT = media
    assert check_private_paths() == []

    var.chmod(0o755)
    media.chmod(0o750)
    key.chmod(0o644)
    warnings = check_private_paths()
    assert {w.id for w in warnings} == {"unmask.W001"}
    flagged = " ".join(w.msg for w in warnings)
    assert str(var) in flagged and str(media) in flagged and str(key) in flagged
    assert all("chmod -R go-rwx" in w.hint for w in warnings)


def test_check_warns_about_a_readable_sqlite_database(tmp_path, settings, monkeypatch):
    var, media = _private_tree(tmp_path)
    db = var / "unmask.sqlite3"
    db.write_bytes(b"")
    db.chmod(0o644)
    settings.VAR_DIR = var
    settings.MEDIA_ROOT = media
    # Only the check reads these here (no database access in this test); restored afterwards.
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.sqlite3")
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", db)
    warnings = check_private_paths()
    assert [w.id for w in warnings] == ["unmask.W001"]
    assert "SQLite database" in warnings[0].msg


def test_manage_py_prints_the_warning_loudly(tmp_path):
    var = tmp_path / "var"
    env = clean_env(UNMASK_VAR_DIR=str(var))
    first = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    var.chmod(0o755)
    loose = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "unmask.W001" in loose.stderr + loose.stdout
    assert "readable by other users" in loose.stderr + loose.stdout


def test_deploy_check_warns_about_keys_generated_under_var(settings):
    settings.UNMASK_GENERATED_SECRETS = ["SECRET_KEY"]
    assert [w.id for w in check_generated_secrets()] == ["unmask.W002"]
    settings.UNMASK_GENERATED_SECRETS = []
    assert check_generated_secrets() == []


def _raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_webhookendpoint WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_webhook_secret_column_holds_no_plaintext_and_signing_still_works():
    endpoint = WebhookEndpoint.objects.create(name="x", url="https://example.org/hook")
    plain = endpoint.secret
    assert plain.startswith("whsec_")
    raw = _raw_secret(endpoint.pk)
    assert plain not in raw and "whsec_" not in raw

    loaded = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert loaded.secret == plain
    signature = "v1=" + compute_signature(loaded.secret, 1_700_000_000, b"{}")
    assert verify_signature(plain, "1700000000", b"{}", signature, now=1_700_000_000)


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_plaintext_secrets():
    executor = MigrationExecutor(connection)
    before = [("integrations", "0002_event_type_appeal_decided")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Endpoint = old_apps.get_model("integrations", "WebhookEndpoint")
    old = Endpoint.objects.create(name="old", url="https://example.org/a", secret="whsec_plain1")
    assert _raw_secret(old.pk) == "whsec_plain1"

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    raw = _raw_secret(old.pk)
    assert "whsec_plain1" not in raw
    assert WebhookEndpoint.objects.get(pk=old.pk).secret == "whsec_plain1"
