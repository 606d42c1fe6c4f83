"""The operators' panel for banks: policy list, release from quarantine (audited)."""

from django.utils import timezone

from dashboard.models import AuditEvent
from provenance.models import BankEntry


def test_bank_and_entry_lists_render(
    client, admin_user, banked_entry, django_assert_max_num_queries
):
    client.force_login(admin_user)
    assert client.get("/admin/provenance/hashbank/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/admin/provenance/bankentry/").status_code == 200
    assert client.get(f"/admin/provenance/bankentry/{banked_entry.pk}/change/").status_code == 200


def test_moderator_has_no_bank_admin(client, moderator, banked_entry):
    client.force_login(moderator)
    assert client.get("/admin/provenance/hashbank/").status_code in (302, 403)


def test_release_from_quarantine_is_audited(client, admin_user, banked_entry):
    BankEntry.objects.filter(pk=banked_entry.pk).update(
        quarantined_at=timezone.now(), quarantine_reason="flood"
    )
    client.force_login(admin_user)
    client.post(
        "/admin/provenance/bankentry/",
        {"action": "release_quarantine", "_selected_action": [banked_entry.pk]},
    )
    banked_entry.refresh_from_db()
    assert banked_entry.quarantined_at is None
    assert AuditEvent.objects.filter(
        action="provenance.quarantine_released", actor=admin_user
    ).exists()
