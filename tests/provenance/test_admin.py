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


def test_bank_policy_out_of_bounds_is_refused(client, admin_user, banked_entry):
    client.force_login(admin_user)
    bank = banked_entry.bank
    form = {
        "name": bank.name,
        "kind": bank.kind,
        "enabled": "on",
        "distance": 200,
        "share": 0,
        "quarantine_matches": 20,
        "quarantine_window_hours": 24,
        "created_at_0": "2026-01-01",
        "created_at_1": "00:00:00",
    }
    response = client.post(f"/admin/provenance/hashbank/{bank.pk}/change/", form)
    assert response.status_code == 200  # the form again, with errors
    bank.refresh_from_db()
    assert (bank.distance, bank.share) == (31, 0.5)
    form.update(distance=40, share=0.6)
    response = client.post(f"/admin/provenance/hashbank/{bank.pk}/change/", form)
    assert response.status_code == 302
    bank.refresh_from_db()
    assert (bank.distance, bank.share) == (40, 0.6)
