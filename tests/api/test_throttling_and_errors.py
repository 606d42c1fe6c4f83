"""Per-token throttling and one error format for every failure under /api/."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from dashboard.api import errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "token": "3/minute",
            "anon": "2/minute",
            "auth_failure": "3/minute",
        },
    }


def test_each_token_has_its_own_bucket(tight_rates, api_client_for, moderator):
    first, second = api_client_for(moderator), api_client_for(moderator)
    assert [first.get("/api/v1/labels/").status_code for _ in range(3)] == [200] * 3
    throttled = first.get("/api/v1/labels/")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["error"]["code"] == "throttled"
    assert "retry in" in throttled.json()["error"]["message"]
    assert second.get("/api/v1/labels/").status_code == 200


def test_anonymous_callers_are_throttled_by_address(tight_rates, api_client_for):
    client = api_client_for(None)
    assert [client.get("/api/schema/").status_code for _ in range(3)] == [200, 200, 429]


def test_nonsense_rate_fails_loudly(settings, api_client_for, moderator):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "lots", "anon": "2/minute", "auth_failure": "3/minute"},
    }
    with pytest.raises(ImproperlyConfigured):
        api_client_for(moderator).get("/api/v1/labels/")


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/nothing-here/", 404, "not_found"),
        ("get", "/api/v2/clips/", 404, "not_found"),
        ("delete", "/api/v1/clips/", 405, "method_not_allowed"),
        ("put", "/api/v1/clips/next/", 405, "method_not_allowed"),
    ],
)
def test_errors_are_json_under_api(api_client_for, admin_user, method, path, status, code):
    response = getattr(api_client_for(admin_user), method)(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == code


def test_wrong_content_type_is_415(api_client_for, moderator):
    response = api_client_for(moderator).post(
        "/api/v1/clips/next/", "<x/>", content_type="application/xml"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    upload_as_json = api_client_for(moderator).post("/api/v1/clips/", {"file": "x"}, format="json")
    assert upload_as_json.status_code == 415


def test_malformed_json_is_400(api_client_for, moderator):
    response = api_client_for(moderator).post(
        "/api/v1/clips/next/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_django_level_handlers_answer_json_under_api_and_html_elsewhere(client):
    factory = RequestFactory()
    api, page = factory.get("/api/v1/clips/"), factory.get("/clips/")
    crashed = errors.server_error(api)
    assert crashed.status_code == 500
    assert crashed["Content-Type"] == "application/json"
    assert b'"server_error"' in crashed.content
    assert errors.server_error(page)["Content-Type"].startswith("text/html")
    for handler, status in [(errors.bad_request, 400), (errors.permission_denied, 403)]:
        assert handler(api, None).status_code == status
        assert handler(api, None)["Content-Type"] == "application/json"
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("text/html")


def test_the_desk_calls_the_api_with_its_session(moderator):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)
    assert browser.get("/api/v1/clips/").status_code == 200
    # A session POST without the CSRF token is refused: a third-party page cannot ride the login.
    refused = browser.post("/api/v1/clips/next/", {}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    browser.get("/login/")  # a page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    allowed = browser.post(
        "/api/v1/clips/next/", {}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert allowed.status_code == 204
