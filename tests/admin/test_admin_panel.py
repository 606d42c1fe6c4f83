"""The operators' panel: every model registered and browsable, counts, actions, uploads."""

import csv
import io
import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile

from dashboard.claims import ClaimError, claim_clip
from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip, Report
from dashboard.operators import force_release
from detection import tasks as detection_tasks
from detection.models import DetectorModel
from detection.registry import Manifest, register_model
from integrations.models import (
    DeliveryAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from tests.detection.conftest import SPEC, build_onnx
from tests.factories import ClipFactory, escalated_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client, admin_user):
    client.force_login(admin_user)
    return client


def changelist(model) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def test_every_model_is_registered():
    ours = [
        m
        for label in ("dashboard", "detection", "integrations")
        for m in apps.get_app_config(label).get_models()
    ]
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("label", ["dashboard", "detection", "integrations"])
def test_changelists_load_with_search_and_dates(ops, label, moderator):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    Report.objects.create(clip=clip, note="=cmd")
    for model in apps.get_app_config(label).get_models():
        model_admin = admin.site._registry[model]
        url = changelist(model)
        assert ops.get(url).status_code == 200, url
        if model_admin.search_fields:
            assert ops.get(url, {"q": "x"}).status_code == 200, url
        if model_admin.date_hierarchy:
            assert ops.get(url, {f"{model_admin.date_hierarchy}__year": "2026"}).status_code == 200


def test_index_shows_clip_counts_per_status(ops):
    ClipFactory.create_batch(2, status=ClipStatus.AWAITING_REVIEW)
    ClipFactory(status=ClipStatus.FAILED)
    page = ops.get("/admin/").content.decode()
    assert 'data-status="awaiting_review">2<' in page
    assert 'data-status="failed">1<' in page
    assert 'data-status="approved">0<' in page


def test_panel_is_for_the_admin_role(client, moderator, senior, admin_user):
    for user in (moderator, senior):
        client.force_login(user)
        assert client.get("/admin/").status_code == 302
    client.force_login(admin_user)
    assert admin_user.is_superuser is False
    assert client.get(changelist(Clip)).status_code == 200


def act(client, model, action: str, objects, **extra):
    return client.post(
        changelist(model),
        {"action": action, "_selected_action": [o.pk for o in objects], **extra},
    )


def test_rescore_action_enqueues_after_commit(ops, monkeypatch, django_capture_on_commit_callbacks):
    clips = ClipFactory.create_batch(2, status=ClipStatus.AWAITING_REVIEW)
    sent = []
    monkeypatch.setattr(
        detection_tasks.rescore_clip, "apply_async", lambda args: sent.append(args[0])
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = act(ops, Clip, "rescore_selected", clips)
    assert response.status_code == 302
    assert sorted(sent) == sorted(c.pk for c in clips)


def test_release_claims_action_is_audited(ops, moderator, admin_user):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    free = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    act(ops, Clip, "release_claims", [clip, free])
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW and clip.claimed_by is None
    event = AuditEvent.objects.get(clip=clip, action="claim.force_released")
    assert event.actor == admin_user and event.data == {"held_by": moderator.pk}


def test_export_csv_escapes_formulas(ops):
    clip = ClipFactory(platform="=HYPERLINK(1)")
    response = act(ops, Clip, "export_as_csv", [clip])
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Short id", "Status", "Score"]
    assert rows[1][0] == clip.short_id
    assert "'=HYPERLINK(1)" in rows[1]


def upload_form(path, **extra):
    with path.open("rb") as fh:
        data = {
            "onnx_file": SimpleUploadedFile("m.onnx", fh.read()),
            "name": "tiny",
            "version": "7",
            "threshold": "0.5",
            "input_spec": json.dumps(SPEC["input"]),
            "output_spec": json.dumps(SPEC["output"]),
            "calibration": "{}",
            "metrics": "{}",
            "model_card": "",
        }
    return {**data, **extra}


def test_detector_upload_in_admin_registers_through_the_registry(ops, admin_user, tmp_path):
    response = ops.post(
        "/admin/detection/detectormodel/add/",
        upload_form(build_onnx(tmp_path / "m.onnx"), activate="on"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    model = DetectorModel.objects.get()
    assert model.label == "tiny v7" and model.is_active
    assert AuditEvent.objects.filter(action="detector.registered", actor=admin_user).exists()
    assert ops.get(f"/admin/detection/detectormodel/{model.pk}/change/").status_code == 200


def test_refused_detector_file_shows_the_registry_message_and_saves_nothing(
    ops, tmp_path, isolated_media
):
    path = build_onnx(tmp_path / "m.onnx", input_name="pixels")
    response = ops.post("/admin/detection/detectormodel/add/", upload_form(path))
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors and "input" in errors[0].lower()
    assert DetectorModel.objects.count() == 0
    assert not any(p.is_file() for p in isolated_media.rglob("*"))


def test_activate_and_shadow_actions(ops, tmp_path, admin_user):
    first = register_model(
        build_onnx(tmp_path / "a.onnx"), Manifest.from_dict({"name": "t", "version": "1", **SPEC})
    )
    second = register_model(
        build_onnx(tmp_path / "b.onnx", weights=(1.0, 0.0, 0.0)),
        Manifest.from_dict({"name": "t", "version": "2", **SPEC}),
    )
    act(ops, DetectorModel, "activate", [first])
    act(ops, DetectorModel, "make_shadow", [second])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_active and second.is_shadow
    assert AuditEvent.objects.filter(action="detector.activated", actor=admin_user).exists()
    act(ops, DetectorModel, "activate", [first, second])  # refused: exactly one
    first.refresh_from_db()
    assert first.is_active


def test_webhook_endpoint_form_and_test_event(ops, django_capture_on_commit_callbacks):
    response = ops.post(
        "/admin/integrations/webhookendpoint/add/",
        {
            "name": "partner",
            "url": "https://partner.example/hooks",
            "secret": "whsec_test",
            "events": ["clip.decided", "clip.escalated"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["clip.decided", "clip.escalated"]
    refused = ops.post(
        "/admin/integrations/webhookendpoint/add/",
        {"name": "bad", "url": "file:///etc/passwd", "secret": "s", "events": []},
    )
    assert refused.status_code == 200 and WebhookEndpoint.objects.count() == 1
    with django_capture_on_commit_callbacks() as callbacks:
        act(ops, WebhookEndpoint, "send_test", [endpoint])
    assert WebhookEvent.objects.get().event_type == "webhook.test"
    assert WebhookDelivery.objects.get().endpoint == endpoint
    assert len(callbacks) == 1


def test_delivery_log_is_visible(ops):
    endpoint = WebhookEndpoint.objects.create(name="p", url="https://p.example/h", events=[])
    event = WebhookEvent.objects.create(event_type="webhook.test", payload={})
    delivery = WebhookDelivery.objects.create(event=event, endpoint=endpoint, attempts=1)
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, status_code=503, latency_ms=12.5, error="HTTP 503"
    )
    page = ops.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert b"503" in page.content and b"12.5" in page.content


def test_force_release_is_for_admins(moderator, moderator2):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, moderator)
    with pytest.raises(ClaimError) as refused:
        force_release(clip.pk, moderator2)
    assert refused.value.status == 403
    clip.refresh_from_db()
    assert clip.claimed_by == moderator


def test_force_release_keeps_an_escalated_clip_escalated(senior, admin_user):
    clip = escalated_clip()
    claim_clip(clip.pk, senior)
    assert force_release(clip.pk, admin_user) is True
    clip.refresh_from_db()
    assert clip.status == ClipStatus.ESCALATED and clip.claimed_by is None
    assert force_release(clip.pk, admin_user) is False
