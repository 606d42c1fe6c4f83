"""Security headers, cookies, login lockout and the production deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_pages_send_csp_without_inline_scripts_and_deny_framing(client):
    response = client.get("/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in response.content


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_httponly(client, moderator):
    from tests.conftest import PASSWORD

    client.get("/login/")
    response = client.post("/login/", {"username": "moderator", "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"]
    assert client.cookies["csrftoken"]["httponly"]


@pytest.mark.django_db
def test_forms_require_csrf(moderator):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    response = strict.post("/clips/new/", {"platform": "x"})
    assert response.status_code == 403


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_login_is_locked_after_repeated_failures(client, moderator):
    from tests.conftest import PASSWORD

    for _ in range(3):
        response = client.post("/login/", {"username": "moderator", "password": "wrong"})
        assert response.status_code in (200, 429)
    locked = client.post("/login/", {"username": "moderator", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 30 + "production-grade-random-key-9f8e7d6c5b4a3",
        "UNMASK_FIELD_KEY": "uVjL6c1H0cBvQpYbAU5s8r8bJ8gkz4wQ0E1nH3uEJ2k=",
        "UNMASK_VAR_SECRETS": "false",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "unmask.example.org",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "SECURE_SSL_REDIRECT": "true",
    }
    env.pop("SECURE_COOKIES", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_nonsense_settings_fail_loudly():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "maybe"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr
