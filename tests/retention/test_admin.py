"""The admin: policies are editable; holds are placed and released and erasure requests
recorded and carried out through the services (audited), never deleted."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from dashboard.models import AuditEvent
from retention.models import ErasureRequest, LegalHold, RetentionPolicy
from tests.factories import PersonFactory
from tests.retention.conftest import stock

pytestmark = pytest.mark.django_db


def test_policy_is_editable_by_admins_only(client, admin_user, senior):
    policy = RetentionPolicy.objects.get(outcome="removed")
    url = reverse("admin:retention_retentionpolicy_change", args=[policy.pk])
    client.force_login(senior)
    assert client.get(url).status_code == 302  # to the admin login: not for seniors
    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "outcome": "removed",
            "name": "Removed clips",
            "active": "on",
            "delete_media": "on",
            "delete_after_days": "14",
            "appeal_window_days": "21",
            "notes": "",
        },  # fmt: skip
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.delete_after_days, policy.appeal_window_days) == (14, 21)


def test_hold_placed_and_released_in_the_admin_is_audited(client, admin_user, moderator):
    s = stock(moderator)
    client.force_login(admin_user)
    add = client.post(
        reverse("admin:retention_legalhold_add"),
        {"clip": s.clip.pk, "person": "", "reason": "Court order 5"},
    )
    assert add.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.placed_by == admin_user
    assert AuditEvent.objects.filter(clip=s.clip, action="retention.hold_placed").exists()
    change = client.post(
        reverse("admin:retention_legalhold_change", args=[hold.pk]),
        {"release_reason": "Order lifted"},
    )
    assert change.status_code == 302
    hold.refresh_from_db()
    assert hold.released_by == admin_user and hold.release_reason == "Order lifted"


def test_erasure_request_recorded_and_carried_out_in_the_admin(client, admin_user, moderator):
    person = PersonFactory(name="Jane Doe")
    s = stock(moderator)
    s.clip.persons.add(person)
    client.force_login(admin_user)
    client.post(
        reverse("admin:retention_erasurerequest_add"),
        {"person": person.pk, "requested_by": "Jane, by letter", "notes": ""},
    )
    request = ErasureRequest.objects.get()
    assert request.recorded_by == admin_user
    response = client.post(
        reverse("admin:retention_erasurerequest_changelist"),
        {"action": "carry_out", "_selected_action": [request.pk]},
    )
    assert response.status_code == 302
    assert not default_storage.exists(s.clip.file.name)
    request.refresh_from_db()
    assert request.state == "done" and request.carried_out_by == admin_user
    page = client.get(reverse("admin:retention_erasurerequest_change", args=[request.pk]))
    assert s.clip.public_id.hex in page.content.decode()
