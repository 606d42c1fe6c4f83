"""Schemathesis against the running API: no 5xx, and every answer honours the OpenAPI schema.

The schema is loaded from /api/schema/ on pytest-django's live server; each operation gets a
bounded number of generated requests, sent with an admin token so every endpoint is reachable.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus, Role
from dashboard.roles import set_role
from dashboard.tokens import create_token
from teamwork.appeals import file_appeal
from tests.factories import ClipFactory, PersonFactory, escalated_clip
from tests.teamwork.helpers import decided_clip

not_a_server_error = schemathesis.checks.not_a_server_error
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

MAX_EXAMPLES = 30


@pytest.fixture
def api_schema(live_server, admin_user, scored_clip, settings, django_user_model):
    # Generous rates: the run sends hundreds of requests with one token in a few seconds.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "token": "100000/minute",
            "anon": "100000/minute",
            "auth_failure": "100000/minute",
        },
    }
    PersonFactory()
    ClipFactory.create_batch(3, status=ClipStatus.AWAITING_REVIEW)
    escalated = escalated_clip()
    claim_clip(escalated.pk, admin_user)
    # Open appeals on clips another moderator decided, so the admin may review them.
    decider = django_user_model.objects.create_user("decider")
    set_role(decider, Role.MODERATOR)
    appeal_ids = []
    for statement in ("My own face.", "Parody."):
        clip, _ = decided_clip(decider)
        appeal_ids.append(file_appeal(clip.pk, decider, statement).pk)
    _, raw = create_token(admin_user, "schemathesis")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    schema.token = raw
    schema.appeal_ids = appeal_ids
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_honours_its_schema(case, api_schema):
    case.call_and_validate(
        headers={"Authorization": f"Token {api_schema.token}"},
        checks=CHECKS,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_appeal_answers_honour_the_schema(api_schema):
    """Generated ids rarely name a real appeal: review one for certain, then again (409)."""
    headers = {"Authorization": f"Token {api_schema.token}"}
    appeal_id = api_schema.appeal_ids[0]
    review = api_schema["/api/v1/appeals/{id}/review/"]["POST"]
    body = {"outcome": "overturned", "reason": "Parody is allowed"}
    for expected in (200, 409):
        case = review.Case(
            path_parameters={"id": appeal_id}, body=body, media_type="application/json"
        )
        assert case.call_and_validate(headers=headers, checks=CHECKS).status_code == expected
    read = api_schema["/api/v1/appeals/{id}/"]["GET"].Case(path_parameters={"id": appeal_id})
    response = read.call_and_validate(headers=headers, checks=CHECKS)
    assert response.json()["state"] == "overturned"
    listed = api_schema["/api/v1/appeals/"]["GET"].Case(query={"state": "open"})
    response = listed.call_and_validate(headers=headers, checks=CHECKS)
    assert [row["id"] for row in response.json()["results"]] == api_schema.appeal_ids[1:]
