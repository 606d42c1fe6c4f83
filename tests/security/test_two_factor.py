"""Two-factor login: with UNMASK_REQUIRE_2FA_FOR_STAFF, Seniors and Admins need a verified code.

Moderators are unaffected unless they enrolled themselves; with the setting off (the demo and
test default) nobody is asked who has not enrolled.
"""

import subprocess
import sys

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD
from tests.security.test_operator_commands import ROOT, clean_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.UNMASK_REQUIRE_2FA_FOR_STAFF = True


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def password_login(client, username: str, next_url: str = "/"):
    return client.post(
        "/login/", {"username": username, "password": PASSWORD, "next": next_url}, follow=False
    )


def test_senior_without_a_verified_device_cannot_reach_the_desk(client, senior, required):
    client.force_login(senior)
    for url in ("/", "/escalations/", "/audit/", "/insight/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/code/?next=")
    # Not enrolled yet: the code page sends them to set up an authenticator first.
    assert client.get("/login/code/")["Location"].startswith("/account/two-factor/")


def test_admin_cannot_open_the_admin_without_a_code(client, admin_user, required):
    client.force_login(admin_user)
    enrolled(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/code/")


def test_session_api_calls_are_refused_until_verified(client, senior, required, api_client_for):
    client.force_login(senior)
    response = client.get("/api/v1/clips/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_required"
    # An API token is not a desk session: integrations keep working.
    assert api_client_for(senior).get("/api/v1/clips/").status_code == 200


def test_a_valid_code_lets_a_senior_in(client, senior, required):
    device = enrolled(senior)
    response = password_login(client, "senior", "/escalations/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/code/")
    assert client.get("/").status_code == 302

    verified = client.post(
        "/login/code/", {"code": code_for(device), "next": "/escalations/"}, follow=False
    )
    assert verified.status_code == 302 and verified["Location"] == "/escalations/"
    assert client.get("/").status_code == 200
    assert client.get("/escalations/").status_code == 200


def test_a_wrong_code_is_refused(client, senior, required):
    device = enrolled(senior)
    password_login(client, "senior")
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/login/code/", {"code": wrong, "next": "/"})
    assert response.status_code == 400
    assert b"not right" in response.content
    assert client.get("/")["Location"].startswith("/login/code/")
    # Nor does a code from an hour ago, or something that is not a code at all.
    stale = client.post("/login/code/", {"code": code_for(device, -120), "next": "/"})
    assert stale.status_code == 400
    junk = client.post("/login/code/", {"code": "12ab56", "next": "/"})
    assert junk.status_code == 400
    assert client.get("/")["Location"].startswith("/login/code/")


def test_a_code_cannot_be_replayed_by_another_session(client, senior, required):
    from django.test import Client

    device = enrolled(senior)
    code = code_for(device)
    password_login(client, "senior")
    assert client.post("/login/code/", {"code": code, "next": "/"}).status_code == 302

    other = Client()
    password_login(other, "senior")
    assert other.post("/login/code/", {"code": code, "next": "/"}).status_code == 400


def test_enrolment_shows_the_key_and_confirms_with_a_code(client, senior, required):
    client.force_login(senior)
    page = client.get("/account/two-factor/?next=/escalations/")
    assert page.status_code == 200
    assert b"otpauth://totp/" in page.content
    device = TOTPDevice.objects.get(user=senior, confirmed=False)
    assert b"Your role requires a second factor" in page.content

    wrong = client.post("/account/two-factor/", {"code": "000000", "next": "/"})
    assert wrong.status_code == 400
    assert not TOTPDevice.objects.filter(user=senior, confirmed=True).exists()

    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    confirmed = client.post("/account/two-factor/", {"code": code_for(device), "next": "/"})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/escalations/").status_code == 200


def test_the_next_parameter_cannot_leave_the_site(client, senior, required):
    device = enrolled(senior)
    password_login(client, "senior")
    response = client.post(
        "/login/code/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_moderators_are_unaffected(client, moderator, required):
    response = password_login(client, "moderator")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/clips/").status_code == 200


def test_with_the_setting_off_seniors_log_in_with_a_password(client, senior):
    response = password_login(client, "senior", "/escalations/")
    assert response["Location"] == "/escalations/"
    assert client.get("/escalations/").status_code == 200


def test_an_enrolled_moderator_is_asked_for_the_code(client, moderator):
    device = enrolled(moderator)
    response = password_login(client, "moderator")
    assert response["Location"].startswith("/login/code/")
    assert client.get("/")["Location"].startswith("/login/code/")
    assert client.post("/login/code/", {"code": code_for(device), "next": "/"}).status_code == 302
    assert client.get("/").status_code == 200


def test_session_lifetime_comes_from_the_environment(tmp_path):
    code = "import config.settings as s; print(s.SESSION_COOKIE_AGE)"

    def session_age(**extra: str) -> str:
        env = clean_env(UNMASK_VAR_DIR=str(tmp_path), **extra)
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert session_age(UNMASK_SESSION_AGE_S="3600") == "3600"
    assert session_age() == str(14 * 24 * 3600)


def test_the_admin_logs_in_through_the_desk_login_and_its_code(client, admin_user):
    enrolled(admin_user)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/admin/")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session


def test_a_moderator_sent_to_the_admin_login_is_refused_not_looped(client, moderator):
    client.force_login(moderator)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login/?next=/admin/").status_code == 403
