"""Labels, persons, detector models and the audit log through the API."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dashboard.models import AuditEvent, Label, Person
from detection.models import DetectorModel
from tests.detection.conftest import SPEC, build_onnx
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db


def test_labels_read_by_moderators_written_by_admins(api_client_for, moderator, admin_user):
    listed = api_client_for(moderator).get("/api/v1/labels/")
    assert listed.status_code == 200 and "face-swap" in [row["slug"] for row in listed.json()]
    body = {"slug": "cheap-fake", "name": "Cheap fake", "category": "manipulation"}
    assert api_client_for(moderator).post("/api/v1/labels/", body, format="json").status_code == 403
    admin = api_client_for(admin_user)
    assert admin.post("/api/v1/labels/", body, format="json").status_code == 201
    retired = admin.patch("/api/v1/labels/cheap-fake/", {"active": False}, format="json")
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert Label.objects.get(slug="cheap-fake").active is False
    # History keeps its labels: no deletes through the API.
    assert admin.delete("/api/v1/labels/cheap-fake/").status_code == 405


def test_persons(api_client_for, moderator, admin_user):
    admin = api_client_for(admin_user)
    created = admin.post(
        "/api/v1/persons/",
        {"name": "Ana Example", "aliases": ["A. E."], "protected": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    person_id = created.json()["id"]
    page = api_client_for(moderator).get("/api/v1/persons/")
    assert [row["name"] for row in page.json()["results"]] == ["Ana Example"]
    duplicate = admin.post("/api/v1/persons/", {"name": "Ana Example"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["error"]["fields"]
    assert (
        admin.patch(
            f"/api/v1/persons/{person_id}/", {"notes": "agency asked"}, format="json"
        ).status_code
        == 200
    )
    assert Person.objects.get().notes == "agency asked"


def upload(client, path, **fields):
    manifest = {
        "name": "tiny",
        "version": "2",
        "input": json.dumps(SPEC["input"]),
        "output": json.dumps(SPEC["output"]),
        "threshold": "0.6",
        "metrics": json.dumps({"auc": 0.91}),
        **fields,
    }
    with path.open("rb") as fh:
        file = SimpleUploadedFile("tiny.onnx", fh.read(), "application/octet-stream")
    return client.post("/api/v1/detector-models/", {"file": file, **manifest}, format="multipart")


def test_detector_upload_is_validated_then_activated(
    api_client_for, admin_user, tmp_path, isolated_media
):
    client = api_client_for(admin_user)
    response = upload(client, build_onnx(tmp_path / "tiny.onnx"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "tiny" and body["threshold"] == 0.6 and body["metrics"] == {"auc": 0.91}
    assert body["is_active"] is False
    model = DetectorModel.objects.get()
    assert AuditEvent.objects.filter(action="detector.registered", actor=admin_user).exists()
    shadowed = client.post(
        f"/api/v1/detector-models/{model.pk}/shadow/", {"shadow": True}, format="json"
    )
    assert shadowed.status_code == 200 and shadowed.json()["is_shadow"] is True
    activated = client.post(f"/api/v1/detector-models/{model.pk}/activate/")
    assert activated.status_code == 200 and activated.json()["is_active"] is True
    refused = client.post(
        f"/api/v1/detector-models/{model.pk}/shadow/", {"shadow": True}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "model_refused"


@pytest.mark.parametrize("broken", ["wrong_input_name", "not_onnx"])
def test_refused_detector_file_saves_nothing(
    api_client_for, admin_user, tmp_path, isolated_media, broken
):
    if broken == "not_onnx":
        path = tmp_path / "tiny.onnx"
        path.write_bytes(b"this is not a model")
    else:
        path = build_onnx(tmp_path / "tiny.onnx", input_name="pixels")
    response = upload(api_client_for(admin_user), path)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "model_refused"
    assert response.json()["error"]["message"]
    assert DetectorModel.objects.count() == 0
    assert not any(p.is_file() for p in isolated_media.rglob("*"))


def test_detector_upload_with_malformed_manifest(api_client_for, admin_user, tmp_path):
    response = upload(
        api_client_for(admin_user), build_onnx(tmp_path / "t.onnx"), input="{not json"
    )
    assert response.status_code == 400 and "input" in response.json()["error"]["fields"]


def test_audit_log_for_seniors_with_filters(api_client_for, senior, moderator):
    clip = ClipFactory()
    AuditEvent.objects.create(clip=clip, actor=moderator, action="claim.claimed")
    AuditEvent.objects.create(clip=None, actor_label="registry", action="detector.activated")
    client = api_client_for(senior)
    everything = client.get("/api/v1/audit-events/")
    assert everything.status_code == 200
    assert [e["action"] for e in everything.json()["results"]] == [
        "detector.activated",
        "claim.claimed",
    ]
    mine = client.get(f"/api/v1/audit-events/?clip={clip.public_id}").json()["results"]
    assert [(e["action"], e["actor"], e["clip"]) for e in mine] == [
        ("claim.claimed", "moderator", str(clip.public_id))
    ]
    assert (
        client.get("/api/v1/audit-events/?actor=moderator").json()["results"][0]["action"]
        == "claim.claimed"
    )
    assert api_client_for(moderator).get("/api/v1/audit-events/").status_code == 403
