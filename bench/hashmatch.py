"""Benchmark: matching one clip against a bank of 1,000,000 frame hashes.

Builds a bank of random full-frame PDQ hashes (as a bank imported from an HMA/ThreatExchange
CSV holds them) in clips of 60 frames, then a query clip of 60 sampled frames: a banked clip
with 10 bits flipped per frame (a re-encode), hashed as seen and mirrored. Times, over
several repetitions:

* ``index``: :meth:`provenance.matching.HashIndex.match` (faiss IndexBinaryMultiHash above
  200,000 hashes) including the vPDQ aggregation;
* ``scan``: a brute-force numpy scan of the same bank for the same 120 query hashes
  (XOR of uint64 words and ``np.bitwise_count``, the fastest popcount numpy has).

Prints one JSON line. Targets: median under 50 ms, at least 20x faster than the scan.
``memory_mb`` is the RSS growth while building: the bank array (32 MB) plus the index
(faiss tables, and the bank's frame positions per entry). ``recall`` is the share of
the query's frames whose planted partner the index found; ``recall_28_bits`` the same for
partners 28 bits away, beyond the multi-hash's exact radius of 23 bits.

    .venv/bin/python bench/hashmatch.py [--bank-size 1000000] [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

from provenance.hashing import FULL, HASH_BYTES, ORIENTATIONS, REGIONS, ClipHashes  # noqa: E402
from provenance.matching import BankedClip, HashIndex, MatchPolicy  # noqa: E402

CLIP_FRAMES = 60
FLIPPED_BITS = 10


def _clip(hashes: np.ndarray) -> ClipHashes:
    frames = len(hashes)
    full = np.zeros((frames, ORIENTATIONS, len(REGIONS), HASH_BYTES), np.uint8)
    full[:, 0, FULL] = hashes
    full[:, 1, FULL] = hashes[:, ::-1]  # stands in for the mirror hash: unrelated bits
    valid = np.zeros((frames, len(REGIONS)), bool)
    valid[:, FULL] = True
    return ClipHashes(tuple(range(frames)), tuple(0.0 for _ in range(frames)), full, valid)


def scan(bank_words: np.ndarray, queries: np.ndarray, radius: int) -> int:
    """Brute force: pairs within ``radius`` bits, counted the slow honest way."""
    found = 0
    for query in queries.view(np.uint64):
        distances = np.bitwise_count(bank_words ^ query).sum(axis=1)
        found += int(np.count_nonzero(distances <= radius))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bank-size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--scan-runs", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    process = psutil.Process()
    rss_before = process.memory_info().rss
    bank = rng.integers(0, 256, (args.bank_size, HASH_BYTES), dtype=np.uint8)
    clip_count = -(-args.bank_size // CLIP_FRAMES)
    # A generator, as the service streams entries from the database: only the index stays.
    clips = (
        BankedClip(entry_id=i, bank_id=1, hashes=_clip(bank[start : start + CLIP_FRAMES]))
        for i, start in enumerate(range(0, args.bank_size, CLIP_FRAMES))
    )
    started = time.perf_counter()
    index = HashIndex(clips)
    build_s = time.perf_counter() - started
    memory_mb = (process.memory_info().rss - rss_before) / 2**20

    target = clip_count // 2
    planted = bank[target * CLIP_FRAMES : (target + 1) * CLIP_FRAMES].copy()

    def near_copy(flipped: int) -> ClipHashes:
        bits = np.unpackbits(planted, axis=1)
        for row in bits:
            row[rng.choice(256, flipped, replace=False)] ^= 1
        return _clip(np.packbits(bits, axis=1))

    query = near_copy(FLIPPED_BITS)
    policy = {1: MatchPolicy(distance=31, share=0.5)}
    # Beyond the multi-hash's exact radius (23 bits): the share of frames still paired.
    far = [m for m in index.match(near_copy(28), policy) if m.entry_id == target]

    timings, matches = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        matches = index.match(query, policy)
        timings.append((time.perf_counter() - started) * 1000)
    found = [m for m in matches if m.entry_id == target]

    queries = np.concatenate([query.hashes[:, 0, FULL], query.hashes[:, 1, FULL]])
    bank_words = np.ascontiguousarray(bank).view(np.uint64)
    scan_timings = []
    for _ in range(args.scan_runs):
        started = time.perf_counter()
        scan(bank_words, queries, 31)
        scan_timings.append((time.perf_counter() - started) * 1000)

    median_ms = statistics.median(timings)
    scan_median_ms = statistics.median(scan_timings)
    print(
        json.dumps(
            {
                "bank_size": args.bank_size,
                "clip_frames": CLIP_FRAMES,
                "query_hashes": len(queries),
                "median_ms": round(median_ms, 2),
                "p99_ms": round(float(np.percentile(timings, 99)), 2),
                "memory_mb": round(memory_mb, 1),
                "build_s": round(build_s, 2),
                "scan_median_ms": round(scan_median_ms, 2),
                "speedup_vs_scan": round(scan_median_ms / median_ms, 1),
                "recall": found[0].query_share if found else 0.0,
                "recall_28_bits": far[0].query_share if far else 0.0,
                "false_matches": len(matches) - len(found),
            }
        )
    )


if __name__ == "__main__":
    main()
