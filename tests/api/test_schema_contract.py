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
from dashboard.constants import ClipStatus
from dashboard.tokens import create_token
from tests.factories import ClipFactory, PersonFactory

not_a_server_error = schemathesis.checks.not_a_server_error

MAX_EXAMPLES = 30


@pytest.fixture
def api_schema(live_server, admin_user, scored_clip, settings):
    # Generous rates: the run sends hundreds of requests with one token in a few seconds.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "100000/minute", "anon": "100000/minute"},
    }
    PersonFactory()
    ClipFactory.create_batch(3, status=ClipStatus.AWAITING_REVIEW)
    escalated = ClipFactory(status=ClipStatus.ESCALATED)
    claim_clip(escalated.pk, admin_user)
    _, raw = create_token(admin_user, "schemathesis")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    schema.token = raw
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_honours_its_schema(case, api_schema):
    case.call_and_validate(
        headers={"Authorization": f"Token {api_schema.token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
