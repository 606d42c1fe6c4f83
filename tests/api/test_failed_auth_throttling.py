"""Failed authentication is throttled per client address, although DRF answers 401 first."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_failures_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "token": "600/minute",
            "anon": "600/minute",
            "auth_failure": "3/minute",
        },
    }


def _bad_token_client(address: str = "203.0.113.7") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    return client


def test_invalid_tokens_are_throttled_after_the_limit(three_failures_a_minute):
    client = _bad_token_client()
    assert [client.get("/api/v1/labels/").status_code for _ in range(3)] == [401] * 3
    refused = client.get("/api/v1/labels/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"].startswith("Too many failed authentication attempts; retry in")


def test_no_credentials_on_a_protected_endpoint_counts_as_a_failure(three_failures_a_minute):
    client = APIClient(REMOTE_ADDR="203.0.113.8")
    statuses = [client.get("/api/v1/clips/").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_a_locked_out_address_learns_nothing_even_with_a_valid_token(
    three_failures_a_minute, api_client_for, moderator
):
    guesser = _bad_token_client("203.0.113.9")
    for _ in range(3):
        guesser.get("/api/v1/labels/")
    valid = api_client_for(moderator)
    valid.defaults["REMOTE_ADDR"] = "203.0.113.9"
    assert valid.get("/api/v1/labels/").status_code == 429
    # Another address with the same valid token is not affected.
    elsewhere = api_client_for(moderator)
    elsewhere.defaults["REMOTE_ADDR"] = "198.51.100.1"
    assert elsewhere.get("/api/v1/labels/").status_code == 200


def test_successful_calls_do_not_count(three_failures_a_minute, api_client_for, moderator):
    client = api_client_for(moderator)
    assert all(client.get("/api/v1/labels/").status_code == 200 for _ in range(10))


def test_a_signed_in_desk_user_behind_the_same_address_is_not_locked_out(
    three_failures_a_minute, client, moderator
):
    guesser = _bad_token_client("127.0.0.1")
    for _ in range(4):
        guesser.get("/api/v1/labels/")
    client.force_login(moderator)
    assert client.get("/api/v1/labels/").status_code == 200


def test_failures_are_forgotten_after_the_window(three_failures_a_minute, monkeypatch):
    from dashboard.api import throttling

    now = [1_000_000.0]
    monkeypatch.setattr(throttling.FailedAuthThrottle, "timer", lambda self: now[0])
    client = _bad_token_client("203.0.113.10")
    for _ in range(3):
        client.get("/api/v1/labels/")
    assert client.get("/api/v1/labels/").status_code == 429
    now[0] += 61
    assert client.get("/api/v1/labels/").status_code == 401
