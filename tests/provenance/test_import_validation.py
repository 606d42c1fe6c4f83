"""The hash-bank import trusts nothing: each hostile CSV is refused by row with a code, leaves
no bank and no entry behind, and one bad stored entry cannot break matching for the others."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent
from provenance import services
from provenance.exchange import (
    ExchangeError,
    do_import_bank,
    export_bank_csv,
    import_bank_csv,
    parse_bank_csv,
)
from provenance.models import BankEntry, BankMatch, HashBank
from tests.provenance.conftest import stored_clip

HASH = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
HEADER = "signal_type,signal_value,entry_id,frame_index,time_s,decision,labels,persons\n"


def _codes(exc: ExchangeError) -> list[tuple[int, str]]:
    return [(error.row, error.code) for error in exc.errors]


def _refused(source, **caps) -> list[tuple[int, str]]:
    with pytest.raises(ExchangeError) as caught:
        parse_bank_csv(source, **caps)
    return _codes(caught.value)


def test_a_hash_with_inner_spaces_is_refused_by_row():
    spaced = HASH[:30] + "  " + HASH[32:]
    assert _refused(f"{HEADER}pdq,{HASH},a,0,0,,,\npdq,{spaced},a,1,0.25,,,\n") == [(3, "bad_hash")]


def test_latin1_is_refused_with_the_row_it_breaks_on():
    text = f"{HEADER}pdq,{HASH},a,0,0,,,\npdq,{HASH},a,1,0,,,José\n".encode("latin-1")
    assert _refused(text) == [(3, "not_utf8")]


def test_a_200000_character_field_is_refused():
    assert _refused(f"{HEADER}pdq,{HASH},a,0,0,,,{'x' * 200_000}\n") == [(2, "unreadable_csv")]
    assert _refused(f"{HEADER}pdq,{HASH},a,0,0,,,{'x' * 5000}\n") == [(2, "field_too_long")]


def test_a_bom_is_accepted():
    [entry] = parse_bank_csv(("\ufeff" + f"{HEADER}pdq,{HASH},a,0,0,label,deepfake,Ana\n").encode())
    assert entry.decision_action == "label" and entry.persons == ["Ana"]


def test_nul_and_control_characters_are_refused():
    assert _refused(f"{HEADER}pdq,{HASH},a,0,0,,,An\x00a\n") == [(2, "control_character")]
    assert _refused(f'{HEADER}pdq,{HASH},a,0,0,,,"An\ra"\n') == [(2, "control_character")]


def test_a_decision_outside_the_desks_actions_is_refused():
    assert _refused(f"{HEADER}pdq,{HASH},a,0,0,nuke,,\n") == [(2, "bad_decision")]


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        ("0x12,0", "bad_frame_index"),
        ("-1,0", "bad_frame_index"),
        ("99999999999,0", "bad_frame_index"),
        ("0,-1", "bad_time"),
        ("0,nan", "bad_time"),
        ("0,1e9", "bad_time"),
    ],
)
def test_frame_index_and_time_are_range_checked(cells, code):
    assert _refused(f"{HEADER}pdq,{HASH},a,{cells},,,\n") == [(2, code)]


def test_labels_and_persons_are_bounded():
    many = ";".join(f"p{i}" for i in range(60))
    assert _refused(f"{HEADER}pdq,{HASH},a,0,0,,,{many}\n") == [(2, "bad_persons")]
    assert _refused(f"{HEADER}pdq,{HASH},a,0,0,,{'l' * 60},\n") == [(2, "bad_labels")]


def test_wrong_cell_counts_and_missing_columns_are_refused():
    assert _refused(f"{HEADER}pdq,{HASH}\n") == [(2, "bad_row")]
    assert _refused("hash\nabc\n") == [(1, "missing_columns")]


def test_every_bad_row_is_reported_not_only_the_first():
    text = f"{HEADER}pdq,nothex,a,0,0,,,\npdq,{HASH},a,1,0,,,\nmd5,{HASH},a,2,0,bogus,,\n"
    assert _refused(text) == [(2, "bad_hash"), (4, "unsupported_signal"), (4, "bad_decision")]


def test_size_and_row_caps_apply_before_parsing_the_whole_file():
    rows = "".join(f"pdq,{HASH},,{i},0,,,\n" for i in range(5))
    assert _refused(io.BytesIO((HEADER + rows).encode()), max_bytes=100) == [(0, "too_large")]
    assert _refused(HEADER + rows, max_rows=3) == [(5, "too_many_rows")]


def test_a_failed_import_creates_no_bank_and_no_entries(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}pdq,{HASH},a,0,0,,,\npdq,{HASH[:31]},a,1,0,,,\n")
    with pytest.raises(CommandError, match=r"Row 3 \(bad_hash\)"):
        call_command("provenance_import", "Partner", str(path), stdout=io.StringIO())
    assert not HashBank.objects.filter(name="Partner").exists()
    assert not BankEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="provenance.imported").exists()
    with pytest.raises(ExchangeError):
        do_import_bank("Partner", "signal_type,signal_value\n")
    assert not HashBank.objects.exists()


def test_a_valid_import_creates_the_bank_with_its_entries(db):
    bank, [entry] = do_import_bank("Partner", f"{HEADER}pdq,{HASH},a,4,1.5,remove,,Ana\n")
    assert bank.name == "Partner" and entry.bank == bank
    assert entry.hashes.indices == (4,) and entry.hashes.times == (1.5,)


def test_a_bogus_stored_decision_cannot_break_matching_for_other_entries(
    banked_entry, fake_reupload
):
    """An entry stored before validation (or edited by hand) with a decision the desk lacks:
    matching quarantines it and still records the clip's other matches."""
    auto = HashBank.objects.create(name="Partner auto", auto_apply=True)
    text = export_bank_csv(banked_entry.bank)
    [bogus] = import_bank_csv(auto, text)
    BankEntry.objects.filter(pk=bogus.pk).update(decision_action="nuke")
    clip = stored_clip(fake_reupload, status=ClipStatus.AWAITING_REVIEW)
    matches = services.do_match_clip(clip.pk)
    assert [m.entry_id for m in matches] == [banked_entry.pk]
    bogus.refresh_from_db()
    assert bogus.quarantined_at is not None and "nuke" in bogus.quarantine_reason
    assert not BankMatch.objects.filter(entry=bogus).exists()
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW  # nothing applied from the bad entry


def test_an_entry_with_damaged_hashes_is_left_out_of_the_index(banked_entry, fake_reupload):
    damaged = BankEntry.objects.create(
        bank=banked_entry.bank,
        source="import",
        frame_hashes=b"\x01" * 31,
        frame_valid=[[True] * 6],
        frame_indices=[0],
        frame_times=[0.0],
        frame_count=1,
    )
    matches = services.do_match_clip(stored_clip(fake_reupload).pk)
    assert [m.entry_id for m in matches] == [banked_entry.pk]
    assert damaged.pk not in services.hash_index().clips
