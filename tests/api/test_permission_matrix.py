"""Every endpoint × every role: who is let through (and gets the answer) and who is refused.

Reporters submit clips and read the clips (and appeals) they submitted, and report only those;
moderators read every clip but escalated ones (dashboard.access), decide and review appeals;
seniors also read escalated clips and the audit log; admins change reference data and detector
models. A duplicate upload answers the clip only to a caller who may read it, a receipt else.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from django.core.files import File

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.models import Account
from provenance.models import Case, CaseMember
from teamwork.appeals import file_appeal
from tests.factories import ClipFactory
from tests.teamwork.helpers import decided_clip

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "outsider", "reporter", "moderator", "senior", "admin"]
MODERATORS = {"moderator", "senior", "admin"}
SUBMITTERS = {"reporter"} | MODERATORS
SENIORS = {"senior", "admin"}
ADMINS = {"admin"}
EVERYONE = set(ROLES)


@dataclass(frozen=True)
class Endpoint:
    method: str
    # Builds (path, body) for a caller; may prepare state (claims) for an allowed caller.
    prepare: Callable[[dict[str, Any], Any, bool], tuple[str, Any]]
    allowed: set[str]
    success: int
    format: str = "json"
    # Checks the body of an allowed call: (role, response, ctx).
    check: Callable[[str, Any, dict[str, Any]], None] | None = None


def _clip(ctx, user, allowed):
    return f"/api/v1/clips/{ctx['clip'].public_id}/", None


def _claimed(action: str, body: Any = None):
    def prepare(ctx, user, allowed):
        clip = ctx["clip"]
        if allowed:
            claim_clip(clip.pk, user)
        return f"/api/v1/clips/{clip.public_id}/{action}/", body

    return prepare


def _upload(ctx, user, allowed):
    ctx["fh"] = ctx["face_clip"].open("rb")
    return "/api/v1/clips/", {"file": File(ctx["fh"], name="clip.mp4")}


def _duplicate(status: str):
    """Upload bytes another submitter's clip already has; the clip is put in `status`."""

    def prepare(ctx, user, allowed):
        known = ctx["clip"]
        known.sha256 = hashlib.sha256(ctx["face_clip"].read_bytes()).hexdigest()
        known.status = status
        known.save()
        return _upload(ctx, user, allowed)

    return prepare


def _clip_or_receipt(readers: set[str]):
    """Callers who may read the known clip get it; the others only their report's receipt."""

    def check(role, response, ctx):
        body = response.json()
        if role in readers:
            assert body["id"] == str(ctx["clip"].public_id), (role, body)
        else:
            assert set(body) == {"report", "status"} and body["status"] == "already_known"
            assert str(ctx["clip"].public_id) not in response.content.decode()

    return check


def _fixed(path: str, body: Any = None):
    return lambda ctx, user, allowed: (path.format(**ctx), body)


ENDPOINTS = {
    "clips.list": Endpoint("get", _fixed("/api/v1/clips/"), MODERATORS, 200),
    "clips.create": Endpoint("post", _upload, SUBMITTERS, 201, "multipart"),
    "clips.retrieve.own": Endpoint("get", _fixed("/api/v1/clips/{own_id}/"), SUBMITTERS, 200),
    "clips.create.duplicate": Endpoint(
        "post",
        _duplicate(ClipStatus.AWAITING_REVIEW),
        SUBMITTERS,
        200,
        "multipart",
        _clip_or_receipt(MODERATORS),
    ),
    "clips.create.duplicate_escalated": Endpoint(
        "post",
        _duplicate(ClipStatus.ESCALATED),
        SUBMITTERS,
        200,
        "multipart",
        _clip_or_receipt(SENIORS),
    ),
    "clips.retrieve.other": Endpoint("get", _clip, MODERATORS, 200),
    "clips.retrieve.escalated": Endpoint(
        "get", _fixed("/api/v1/clips/{escalated_id}/"), SENIORS, 200
    ),
    # A reporter reports the clips it submitted; moderators every clip they may read.
    "clips.reports.own": Endpoint(
        "post", _fixed("/api/v1/clips/{own_id}/reports/", {"reason": "other"}), SUBMITTERS, 201
    ),
    "clips.reports": Endpoint(
        "post", _fixed("/api/v1/clips/{clip_id}/reports/", {"reason": "other"}), MODERATORS, 201
    ),
    "clips.reports.escalated": Endpoint(
        "post",
        _fixed("/api/v1/clips/{escalated_id}/reports/", {"reason": "other"}),
        SENIORS,
        201,
    ),
    "clips.claim": Endpoint("post", _fixed("/api/v1/clips/{clip_id}/claim/"), MODERATORS, 200),
    "clips.release": Endpoint("post", _claimed("release"), MODERATORS, 200),
    "clips.decision": Endpoint(
        "post", _claimed("decision", {"action": "approve"}), MODERATORS, 201
    ),
    "clips.next": Endpoint("post", _fixed("/api/v1/clips/next/", {}), MODERATORS, 200),
    "clips.queue": Endpoint(
        "post", _fixed("/api/v1/clips/{clip_id}/queue/", {"queue": "general"}), SENIORS, 200
    ),
    "queues.list": Endpoint("get", _fixed("/api/v1/queues/"), MODERATORS, 200),
    "labels.list": Endpoint("get", _fixed("/api/v1/labels/"), MODERATORS, 200),
    "labels.retrieve": Endpoint("get", _fixed("/api/v1/labels/face-swap/"), MODERATORS, 200),
    "labels.create": Endpoint(
        "post",
        _fixed("/api/v1/labels/", {"slug": "x", "name": "X", "category": "context"}),
        ADMINS,
        201,
    ),
    "labels.update": Endpoint(
        "patch", _fixed("/api/v1/labels/face-swap/", {"description": "d"}), ADMINS, 200
    ),
    "persons.list": Endpoint("get", _fixed("/api/v1/persons/"), MODERATORS, 200),
    "persons.create": Endpoint("post", _fixed("/api/v1/persons/", {"name": "P"}), ADMINS, 201),
    "detectors.list": Endpoint("get", _fixed("/api/v1/detector-models/"), MODERATORS, 200),
    "detectors.retrieve": Endpoint(
        "get", _fixed("/api/v1/detector-models/{detector_id}/"), MODERATORS, 200
    ),
    # Permission passes; the empty upload is then refused as invalid.
    "detectors.create": Endpoint(
        "post", _fixed("/api/v1/detector-models/", {}), ADMINS, 400, "multipart"
    ),
    "detectors.activate": Endpoint(
        "post", _fixed("/api/v1/detector-models/{detector_id}/activate/"), ADMINS, 200
    ),
    "detectors.shadow": Endpoint(
        "post",
        _fixed("/api/v1/detector-models/{detector_id}/shadow/", {"shadow": False}),
        ADMINS,
        200,
    ),
    "audit.list": Endpoint("get", _fixed("/api/v1/audit-events/"), SENIORS, 200),
    # Permission passes; the undecided clip is then refused with 409 not_decided.
    "clips.appeals": Endpoint(
        "post", _fixed("/api/v1/clips/{own_id}/appeals/", {"statement": "x"}), SUBMITTERS, 409
    ),
    "clips.evidence_packs.list": Endpoint(
        "get", _fixed("/api/v1/clips/{clip_id}/evidence-packs/"), MODERATORS, 200
    ),
    "clips.evidence_packs.create": Endpoint(
        "post", _fixed("/api/v1/clips/{clip_id}/evidence-packs/"), MODERATORS, 409
    ),
    # No such pack: moderators pass the permission check and get 404.
    "evidence_packs.download": Endpoint(
        "get", _fixed("/api/v1/evidence-packs/999999/download/"), MODERATORS, 404
    ),
    # A reporter lists and reads the appeals it filed; moderators every one.
    "appeals.list": Endpoint("get", _fixed("/api/v1/appeals/"), SUBMITTERS, 200),
    "appeals.retrieve.own": Endpoint(
        "get", _fixed("/api/v1/appeals/{own_appeal_id}/"), SUBMITTERS, 200
    ),
    "appeals.retrieve.other": Endpoint(
        "get", _fixed("/api/v1/appeals/{appeal_id}/"), MODERATORS, 200
    ),
    # Decided by another moderator (moderator2), so every moderator role may review it.
    "appeals.review": Endpoint(
        "post",
        _fixed("/api/v1/appeals/{appeal_id}/review/", {"outcome": "upheld", "reason": "Stands"}),
        MODERATORS,
        200,
    ),
    # No rendition yet: callers who may read the clip pass and get 404 no_rendition.
    "clips.rendition": Endpoint(
        "get", _fixed("/api/v1/clips/{own_id}/rendition/"), SUBMITTERS, 404
    ),
    # Accounts: moderators see every account; a reporter only those that posted its clips.
    "accounts.list": Endpoint("get", _fixed("/api/v1/accounts/"), SUBMITTERS, 200),
    "accounts.retrieve.own": Endpoint(
        "get", _fixed("/api/v1/accounts/{own_account_id}/"), SUBMITTERS, 200
    ),
    "accounts.items.own": Endpoint(
        "get", _fixed("/api/v1/accounts/{own_account_id}/items/"), SUBMITTERS, 200
    ),
    # Cases: moderators and seniors only; a reporter sees none, not even the case holding its
    # own clip (the strict rule: a case lists other platforms' copies and uploaders).
    "cases.list": Endpoint("get", _fixed("/api/v1/cases/"), MODERATORS, 200),
    "cases.retrieve.own": Endpoint("get", _fixed("/api/v1/cases/{own_case_id}/"), MODERATORS, 200),
    "schema": Endpoint("get", _fixed("/api/schema/"), EVERYONE, 200),
}


@pytest.fixture
def users(reporter, moderator, senior, admin_user, outsider):
    return {
        "anonymous": None,
        "outsider": outsider,
        "reporter": reporter,
        "moderator": moderator,
        "senior": senior,
        "admin": admin_user,
    }


@pytest.fixture
def appeal_ids(moderator2, reporter) -> dict[str, int]:
    """Appeals on two clips moderator2 decided: one the reporter filed, one moderator2 filed."""
    own_clip, _ = decided_clip(moderator2)
    own_clip.submitted_by = reporter
    own_clip.save()
    other_clip, _ = decided_clip(moderator2)
    return {
        "own_appeal_id": file_appeal(own_clip.pk, reporter, "My own face.").pk,
        "appeal_id": file_appeal(other_clip.pk, moderator2, "By mail.").pk,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_permission_matrix(
    name, role, users, api_client_for, reporter, detector, face_clip, appeal_ids
):
    endpoint = ENDPOINTS[name]
    user = users[role]
    allowed = role in endpoint.allowed
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    own_account = Account.objects.create(platform="video-site", account_id="own-uploader")
    own = ClipFactory(status=ClipStatus.AWAITING_REVIEW, submitted_by=reporter, account=own_account)
    escalated = ClipFactory(status=ClipStatus.ESCALATED)
    own_case = Case.objects.create(title="Copies of the reporter's clip")
    CaseMember.objects.create(case=own_case, clip=own)
    CaseMember.objects.create(case=own_case, clip=clip)
    ctx = {
        "clip": clip,
        "clip_id": clip.public_id,
        "own_id": own.public_id,
        "own_account_id": own_account.pk,
        "own_case_id": own_case.public_id,
        "escalated_id": escalated.public_id,
        "detector_id": detector.pk,
        "face_clip": face_clip,
        **appeal_ids,
    }
    path, body = endpoint.prepare(ctx, user, allowed and role in MODERATORS)
    client = api_client_for(user)
    try:
        response = getattr(client, endpoint.method)(path, body, format=endpoint.format)
    finally:
        if "fh" in ctx:
            ctx["fh"].close()
    refused = 401 if role == "anonymous" else 403
    expected = endpoint.success if allowed else refused
    assert response.status_code == expected, (name, role, response.content[:300])
    if allowed and endpoint.check is not None:
        endpoint.check(role, response, ctx)
    if not allowed:
        error = response.json()["error"]
        assert error["code"] in ("not_authenticated", "permission_denied")


def test_matrix_covers_every_operation_in_the_schema(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    covered_paths = {
        "/api/v1/clips/",
        "/api/v1/clips/{public_id}/",
        "/api/v1/clips/{public_id}/reports/",
        "/api/v1/clips/{public_id}/claim/",
        "/api/v1/clips/{public_id}/release/",
        "/api/v1/clips/{public_id}/decision/",
        "/api/v1/clips/next/",
        "/api/v1/clips/{public_id}/queue/",
        "/api/v1/queues/",
        "/api/v1/labels/",
        "/api/v1/labels/{slug}/",
        "/api/v1/persons/",
        "/api/v1/detector-models/",
        "/api/v1/detector-models/{id}/",
        "/api/v1/detector-models/{id}/activate/",
        "/api/v1/detector-models/{id}/shadow/",
        "/api/v1/audit-events/",
        "/api/v1/clips/{public_id}/appeals/",
        "/api/v1/clips/{public_id}/evidence-packs/",
        "/api/v1/evidence-packs/{pack_id}/download/",
        "/api/v1/clips/{public_id}/rendition/",
        "/api/v1/appeals/",
        "/api/v1/appeals/{id}/",
        "/api/v1/appeals/{id}/review/",
        "/api/v1/accounts/",
        "/api/v1/accounts/{id}/",
        "/api/v1/accounts/{id}/items/",
        "/api/v1/cases/",
        "/api/v1/cases/{public_id}/",
    }
    uncovered = {path for _, path in operations} - covered_paths
    # Detail reads of persons and audit events share their list's permission class.
    assert uncovered <= {"/api/v1/persons/{id}/", "/api/v1/audit-events/{id}/"}
