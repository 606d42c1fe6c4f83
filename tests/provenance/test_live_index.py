"""The live index: bankings and removals reach every process through the change log, without
a rebuild; a snapshot loads back to the same answers."""

import os

import numpy as np
import pytest

from provenance import live_index
from provenance.hashing import ClipHashes
from provenance.matching import BankedClip, HashIndex, MatchPolicy
from provenance.models import BankChange, BankEntry, EntrySource, HashBank

CLIP_FRAMES = 60
# The suite runs the churn on a 20k bank with 200 bankings (about a minute on a busy 2-core
# machine); UNMASK_TEST_CHURN_BANK=100000 UNMASK_TEST_CHURN_BANKINGS=1000 runs the full one.
CHURN_BANK = int(os.environ.get("UNMASK_TEST_CHURN_BANK", "20000"))
CHURN_BANKINGS = int(os.environ.get("UNMASK_TEST_CHURN_BANKINGS", "200"))


def _random_clip(rng: np.random.Generator) -> ClipHashes:
    rows = rng.integers(0, 256, (CLIP_FRAMES, 32), dtype=np.uint8)
    return ClipHashes.from_full_hex([bytes(row).hex() for row in rows])


def _bank(bank: HashBank, hashes: ClipHashes) -> BankEntry:
    entry = BankEntry(bank=bank, source=EntrySource.IMPORT)
    entry.set_hashes(hashes)
    entry.save()
    return entry


@pytest.mark.slow
def test_churn_every_match_sees_every_entry_banked_before_it(db):
    """Bankings interleaved with matches on a bank of CHURN_BANK hashes (1 M: bench/)."""
    rng = np.random.default_rng(19)
    bank = HashBank.objects.create(name="churn")
    base = []
    for _ in range(-(-CHURN_BANK // CLIP_FRAMES)):
        entry = BankEntry(bank=bank, source=EntrySource.IMPORT)
        entry.set_hashes(_random_clip(rng))
        base.append(entry)
    BankEntry.objects.bulk_create(base)  # the bank before the processes start
    policy = {bank.pk: MatchPolicy()}
    worker_a, worker_b = live_index.LiveIndex(), live_index.LiveIndex()
    assert worker_a.current().size >= CHURN_BANK and worker_b.current().size >= CHURN_BANK
    banked: list[tuple[int, ClipHashes]] = []
    for i in range(CHURN_BANKINGS):
        hashes = _random_clip(rng)
        banked.append((_bank(bank, hashes).pk, hashes))
        worker = worker_a if i % 2 else worker_b
        # every match sees the entry just banked, and a sample of those banked before it
        for entry_id, clip in [banked[-1], banked[int(rng.integers(len(banked)))]]:
            assert entry_id in [m.entry_id for m in worker.current().match(clip, policy)]
    assert (worker_a.rebuilds, worker_b.rebuilds) == (1, 1)  # the start, nothing since


def test_removal_is_applied_without_rebuild_and_snapshot_round_trips(db, tmp_path, settings):
    rng = np.random.default_rng(7)
    bank = HashBank.objects.create(name="live")
    policy = {bank.pk: MatchPolicy()}
    kept_hashes, gone_hashes = _random_clip(rng), _random_clip(rng)
    kept, gone = _bank(bank, kept_hashes), _bank(bank, gone_hashes)
    worker = live_index.LiveIndex()
    assert [m.entry_id for m in worker.current().match(gone_hashes, policy)] == [gone.pk]
    gone.delete()
    assert list(BankChange.objects.values_list("kind", flat=True)) == ["add", "add", "remove"]
    assert worker.current().match(gone_hashes, policy) == []
    assert worker.rebuilds == 1
    settings.UNMASK_PROVENANCE_INDEX_DIR = str(tmp_path)
    worker.save()
    later = _bank(bank, _random_clip(rng))  # after the snapshot: comes from the log
    started = live_index.LiveIndex()
    index = started.current()
    assert started.rebuilds == 0  # loaded, not built
    assert set(index.clips) == {kept.pk, later.pk}
    assert [m.entry_id for m in index.match(kept_hashes, policy)] == [kept.pk]


def test_segments_seal_and_merge_and_match_like_flat(monkeypatch):
    """Above the flat limit, hashes added one clip at a time land in sealed (and merged)
    multi-index segments, which find every near copy within the exact radius."""
    monkeypatch.setattr("provenance.matching.FLAT_LIMIT", 600)
    monkeypatch.setattr("provenance.matching.SEAL_ROWS", 300)
    monkeypatch.setattr("provenance.matching.DIRECT_ROWS", 900)
    rng = np.random.default_rng(3)
    clips = [_random_clip(rng) for _ in range(40)]
    grown = HashIndex()
    for i, clip in enumerate(clips):
        grown.add(BankedClip(i, 1, clip))
    assert len(grown.channels["full"].segments) >= 1
    for i in (0, 17, 39):
        bits = np.unpackbits(clips[i].hashes[:, 0, 0], axis=1)
        bits[:, rng.choice(256, 20, replace=False)] ^= 1
        near = clips[i].hashes.copy()
        near[:, 0, 0] = np.packbits(bits, axis=1)
        query = ClipHashes(clips[i].indices, clips[i].times, near, clips[i].valid)
        [match] = grown.match(query, {1: MatchPolicy()})
        assert (match.entry_id, match.query_share, match.best_distance) == (i, 1.0, 20)
