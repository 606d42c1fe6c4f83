"""vPDQ matching through the faiss index: shares both ways, per-bank policy, exclusions."""

import numpy as np

from provenance.hashing import FULL, HASH_BYTES, ClipHashes
from provenance.matching import BankedClip, HashIndex, MatchPolicy


def _random_clip(rng: np.random.Generator, frames: int) -> ClipHashes:
    hexes = [bytes(rng.integers(0, 256, HASH_BYTES, dtype=np.uint8)).hex() for _ in range(frames)]
    return ClipHashes.from_full_hex(hexes)


def _flip_bits(clip: ClipHashes, bits: int, rng: np.random.Generator) -> ClipHashes:
    hashes = clip.hashes.copy()
    for f in range(clip.frame_count):
        unpacked = np.unpackbits(hashes[f, 0, FULL])
        flip = rng.choice(256, bits, replace=False)
        unpacked[flip] ^= 1
        hashes[f, 0, FULL] = np.packbits(unpacked)
    return ClipHashes(clip.indices, clip.times, hashes, clip.valid)


def test_near_copy_matches_with_shares_and_best_distance():
    rng = np.random.default_rng(1)
    banked = _random_clip(rng, 10)
    other = _random_clip(rng, 10)
    index = HashIndex([BankedClip(1, 1, banked), BankedClip(2, 1, other)])
    query = _flip_bits(banked, 12, rng)
    [match] = index.match(query, {1: MatchPolicy(distance=31, share=0.5)})
    assert (match.entry_id, match.query_share, match.bank_share) == (1, 1.0, 1.0)
    assert match.best_distance == 12


def test_distance_threshold_is_per_bank():
    rng = np.random.default_rng(2)
    banked = _random_clip(rng, 6)
    index = HashIndex([BankedClip(1, 7, banked)])
    query = _flip_bits(banked, 20, rng)
    assert index.match(query, {7: MatchPolicy(distance=19)}) == []
    assert len(index.match(query, {7: MatchPolicy(distance=20)})) == 1
    # a bank left out of the policies is disabled
    assert index.match(query, {8: MatchPolicy(distance=64)}) == []


def test_trimmed_copy_matches_on_query_share():
    rng = np.random.default_rng(3)
    banked = _random_clip(rng, 12)
    index = HashIndex([BankedClip(1, 1, banked)])
    middle = ClipHashes(
        banked.indices[3:9], banked.times[3:9], banked.hashes[3:9], banked.valid[3:9]
    )
    [match] = index.match(middle, {1: MatchPolicy(share=0.9)})
    assert (match.query_share, match.bank_share) == (1.0, 0.5)


def test_too_few_shared_frames_do_not_match():
    rng = np.random.default_rng(4)
    banked = _random_clip(rng, 20)
    query = _random_clip(rng, 20)
    hashes = query.hashes.copy()
    hashes[:2] = banked.hashes[:2]  # two frames in common: 10 %
    query = ClipHashes(query.indices, query.times, hashes, query.valid)
    index = HashIndex([BankedClip(1, 1, banked)])
    assert index.match(query, {1: MatchPolicy(share=0.5)}) == []
    assert len(index.match(query, {1: MatchPolicy(share=0.1)})) == 0  # fewer than 3 frames


def test_excluded_entries_are_skipped():
    rng = np.random.default_rng(5)
    banked = _random_clip(rng, 5)
    index = HashIndex([BankedClip(1, 1, banked)])
    assert len(index.match(banked, {1: MatchPolicy()})) == 1
    assert index.match(banked, {1: MatchPolicy()}, excluded_entries=[1]) == []


def test_empty_index_and_empty_query():
    rng = np.random.default_rng(6)
    assert HashIndex([]).match(_random_clip(rng, 3), {1: MatchPolicy()}) == []
    index = HashIndex([BankedClip(1, 1, _random_clip(rng, 3))])
    assert index.match(ClipHashes.empty(), {1: MatchPolicy()}) == []
