"""One refusal type: every service error is a ServiceError, translated once for the API and
once for the desk (issue 13, item 3)."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from rest_framework.views import APIView

from dashboard.api.errors import api_exception_handler
from dashboard.claims import ClaimError
from dashboard.decisions import DecisionError
from dashboard.errors import ServiceError, refusal_json, refuse
from dashboard.idempotency import IdempotencyError
from dashboard.workflow import StaleVersionError, TransitionError
from detection.registry import RegistryError
from insight.agreement import AgreementError
from provenance.services import ProvenanceError
from teamwork.appeals import AppealError
from teamwork.packs import EvidenceError
from tests.factories import ClipFactory


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ClaimError("held", "Held by someone."), 409),
        (DecisionError("reason_required", "Give a reason."), 400),
        (AppealError("forbidden", "No.", 403), 403),
        (EvidenceError("not_decided", "Not yet.", 409), 409),
        (ProvenanceError("forbidden", "No.", 403), 403),
        (IdempotencyError("key_reused", "Used.", 422), 422),
        (AgreementError("not_sampled", "No."), 400),
        (RegistryError("The manifest is broken."), 400),
    ],
)
def test_every_service_error_is_a_service_error(error, status):
    assert isinstance(error, ServiceError)
    assert error.status == status
    assert str(error) == error.message


def test_registry_errors_carry_the_api_code():
    error = RegistryError("The active model cannot also be a shadow.", 409)
    assert (error.code, error.status) == ("model_refused", 409)


@pytest.mark.django_db
def test_transition_errors_are_conflicts_with_their_own_code():
    clip = ClipFactory()
    assert (TransitionError(clip, "removed").code, TransitionError(clip, "removed").status) == (
        "invalid_transition",
        409,
    )
    assert StaleVersionError(clip, "removed").code == "stale_version"


def test_the_api_handler_renders_any_service_error_with_its_code_and_status():
    request = RequestFactory().post("/api/v1/clips/x/decision/")
    response = api_exception_handler(
        ServiceError("teapot", "I refuse.", 418), {"view": APIView(), "request": request}
    )
    assert response.status_code == 418
    assert response.data == {"error": {"code": "teapot", "message": "I refuse."}}


def test_the_desk_helpers_show_the_sentence_and_answer_the_status():
    request = RequestFactory().post("/clips/x/decide/")
    request.session = {}
    request._messages = FallbackStorage(request)
    assert refuse(request, ClaimError("held", "Held by someone.")) == 409
    assert [m.message for m in get_messages(request)] == ["Held by someone."]
    response = refusal_json(DecisionError("not_held", "Claim it first.", 409))
    assert response.status_code == 409
    assert response.content == b'{"error": "not_held", "message": "Claim it first."}'
