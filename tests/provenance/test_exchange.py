"""CSV exchange of hash banks in the HMA / ThreatExchange shape: round trip, refusals."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dashboard.models import AuditEvent
from provenance import services
from provenance.exchange import COLUMNS, ExchangeError, export_bank_csv, import_bank_csv
from provenance.models import BankEntry, HashBank
from tests.provenance.conftest import stored_clip

HASH_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
HASH_B = "0" * 63 + "1"


def test_export_then_import_reproduces_the_bank(banked_entry):
    text = export_bank_csv(banked_entry.bank)
    header, *rows = text.splitlines()
    assert header.split(",") == list(COLUMNS)
    assert len(rows) == banked_entry.frame_count
    assert rows[0].startswith("pdq,")
    assert "animated-still" in rows[0]
    other = HashBank.objects.create(name="Shared by partner")
    [entry] = import_bank_csv(other, text)
    assert entry.frame_count == banked_entry.frame_count
    assert entry.hashes.full_hex() == banked_entry.hashes.full_hex()
    assert entry.labels == ["animated-still"]
    assert AuditEvent.objects.filter(action="provenance.imported").count() == 1


def test_imported_entry_matches_a_reupload(db, fake_reupload, banked_entry):
    partner = HashBank.objects.create(name="Partner")
    [imported] = import_bank_csv(partner, export_bank_csv(banked_entry.bank))
    banked_entry.bank.enabled = False
    banked_entry.bank.save()
    [match] = services.do_match_clip(stored_clip(fake_reupload).pk)
    assert match.entry == imported


def test_rows_without_entry_id_are_entries_of_their_own(db):
    bank = HashBank.objects.create(name="Images")
    text = f"signal_type,signal_value\npdq,{HASH_A}\npdq,{HASH_B}\n"
    assert [e.frame_count for e in import_bank_csv(bank, text)] == [1, 1]


@pytest.mark.parametrize(
    "text",
    [
        "hash\nabc\n",
        f"signal_type,signal_value\nmd5,{HASH_A}\n",
        f"signal_type,signal_value\npdq,{HASH_A}\npdq,nothex\n",
        "signal_type,signal_value\n",
    ],
)
def test_bad_csv_is_refused_and_nothing_written(db, text):
    bank = HashBank.objects.create(name="Bad")
    with pytest.raises(ExchangeError):
        import_bank_csv(bank, text)
    assert BankEntry.objects.count() == 0


def test_commands_round_trip(banked_entry, tmp_path):
    out = io.StringIO()
    call_command("provenance_export", banked_entry.bank.name, stdout=out)
    path = tmp_path / "bank.csv"
    path.write_text(out.getvalue())
    call_command("provenance_import", "From file", str(path), stdout=io.StringIO())
    assert HashBank.objects.get(name="From file").entries.count() == 1
    with pytest.raises(CommandError):
        call_command("provenance_import", "From file", str(tmp_path / "missing.csv"))


def test_admin_exports_a_bank(client, admin_user, banked_entry):
    client.force_login(admin_user)
    response = client.post(
        "/admin/provenance/hashbank/",
        {"action": "export_csv", "_selected_action": [banked_entry.bank.pk]},
    )
    assert response.status_code == 200
    assert response.content.decode().startswith(",".join(COLUMNS))
