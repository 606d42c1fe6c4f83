"""vPDQ-style matching of a clip's frame hashes against banked clips, through a faiss index.

Plain Python (no ORM). A :class:`HashIndex` holds every banked clip's frame hashes in faiss
binary indexes, one per *channel*:

* ``full``: the banked frames' whole-picture and centre-90 % hashes, searched with the new
  clip's whole-picture hashes (as seen and mirrored) — catches re-encodes, resizes, bars,
  colour changes, mirrors and 10 % crops;
* ``top`` / ``bottom`` / ``left`` / ``right``: banked half-frame hashes, searched with the
  same half of the new clip — catches a logo or caption over part of the picture.

A new clip matches a banked clip when enough frames pair up within the Hamming distance:
``query_share`` is the share of the new clip's frames with a partner, ``bank_share`` the
share of the banked clip's frames; the larger must reach the bank's ``share`` (a re-upload
trimmed to the middle half pairs all of its frames but only half of the original's).

Index choice: ``IndexBinaryFlat`` (exact) up to ``FLAT_LIMIT`` hashes per channel;
above that ``IndexBinaryMultiHash`` with 12 tables of 20 bits probed at one bit flip, which
is exact for distances up to 23 bits (pigeonhole: 12 × 2 > 23) and finds most pairs between
24 and 31; its recall is measured by ``bench/hashmatch.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import faiss
import numpy as np

from provenance.hashing import CROP90, FULL, HASH_BITS, REGIONS, ClipHashes

# One search is a few ms of work: OpenMP's thread team costs more than it gains, and spins
# against the other workers on a busy machine (measured: ~10x slower medians under load).
faiss.omp_set_num_threads(1)

FLAT_LIMIT = 200_000
MULTIHASH_TABLES = 12
MULTIHASH_BITS = 20
# A match needs at least this many paired frames (fewer if either clip is shorter), so a
# single coincidental frame never makes a two-frame bank entry "50 % matched".
MIN_MATCHED_FRAMES = 3

# channel name -> (banked regions indexed, query region searched)
CHANNELS: dict[str, tuple[tuple[int, ...], int]] = {
    "full": ((FULL, CROP90), FULL),
    **{name: ((REGIONS.index(name),), REGIONS.index(name)) for name in REGIONS[2:]},
}


@dataclass(frozen=True)
class BankedClip:
    """A bank entry as the index sees it."""

    entry_id: int
    bank_id: int
    hashes: ClipHashes


@dataclass(frozen=True)
class MatchPolicy:
    """A bank's thresholds: Hamming distance (bits) and share of frames (0-1)."""

    distance: int = 31
    share: float = 0.5


@dataclass(frozen=True)
class ClipMatch:
    """A banked clip the new clip matches, with the vPDQ figures."""

    entry_id: int
    bank_id: int
    query_share: float
    bank_share: float
    best_distance: int
    matched_frames: int
    # (new clip's frame index, banked clip's frame index) of the closest pair
    best_pair: tuple[int, int] = field(default=(0, 0))


@dataclass(frozen=True)
class _EntryInfo:
    """What matching needs of a banked clip once its hashes are in the index."""

    bank_id: int
    frame_indices: tuple[int, ...]

    @property
    def frame_count(self) -> int:
        return len(self.frame_indices)


class _Channel:
    def __init__(self, rows: np.ndarray, entries: np.ndarray, frames: np.ndarray) -> None:
        self.entries = entries
        self.frames = frames
        if len(rows) > FLAT_LIMIT:
            index = faiss.IndexBinaryMultiHash(HASH_BITS, MULTIHASH_TABLES, MULTIHASH_BITS)
            index.nflip = 1
        else:
            index = faiss.IndexBinaryFlat(HASH_BITS)
        if len(rows):
            index.add(np.ascontiguousarray(rows))
        self.index = index
        self.size = len(rows)

    def search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (query row, banked row, distance) of every pair within ``radius`` bits."""
        if self.size == 0 or len(queries) == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        # faiss returns distances strictly below the radius it is given.
        lims, distances, labels = self.index.range_search(np.ascontiguousarray(queries), radius + 1)
        query_rows = np.repeat(np.arange(len(queries)), np.diff(lims.astype(np.int64)))
        return query_rows, labels.astype(np.int64), distances.astype(np.int64)


class HashIndex:
    """Every banked clip's hashes, searchable by a new clip. Immutable once built."""

    def __init__(self, clips: Iterable[BankedClip]) -> None:
        # Only the bank and frame positions are kept: the hashes live in the faiss tables.
        self.clips: dict[int, _EntryInfo] = {}
        buckets: dict[str, tuple[list, list, list]] = {name: ([], [], []) for name in CHANNELS}
        for clip in clips:
            self.clips[clip.entry_id] = _EntryInfo(clip.bank_id, clip.hashes.indices)
            hashes = clip.hashes
            for name, (regions, _query_region) in CHANNELS.items():
                rows, entries, frames = buckets[name]
                for region in regions:
                    keep = np.flatnonzero(hashes.valid[:, region])
                    if len(keep) == 0:
                        continue
                    rows.append(hashes.hashes[keep, 0, region])
                    entries.append(np.full(len(keep), clip.entry_id, np.int64))
                    frames.append(keep.astype(np.int64))
        self.channels = {
            name: _Channel(
                np.concatenate(rows) if rows else np.zeros((0, 32), np.uint8),
                np.concatenate(entries) if entries else np.zeros(0, np.int64),
                np.concatenate(frames) if frames else np.zeros(0, np.int64),
            )
            for name, (rows, entries, frames) in buckets.items()
        }

    @property
    def size(self) -> int:
        """Hashes indexed over all channels."""
        return sum(channel.size for channel in self.channels.values())

    def pairs(self, query: ClipHashes, radius: int) -> dict[int, dict[tuple[int, int], int]]:
        """Closest distance of each (query frame, banked frame) pair per entry, within radius."""
        found: dict[int, dict[tuple[int, int], int]] = {}
        for name, (_regions, region) in CHANNELS.items():
            frames = np.flatnonzero(query.valid[:, region])
            if len(frames) == 0:
                continue
            # rows 0..n-1 as seen, n..2n-1 mirrored
            queries = np.concatenate(
                [query.hashes[frames, 0, region], query.hashes[frames, 1, region]]
            )
            query_rows, labels, distances = self.channels[name].search(queries, radius)
            channel = self.channels[name]
            query_frames = frames[query_rows % len(frames)]
            for q, label, distance in zip(query_frames, labels, distances, strict=True):
                entry = int(channel.entries[label])
                key = (int(q), int(channel.frames[label]))
                per_entry = found.setdefault(entry, {})
                if distance < per_entry.get(key, HASH_BITS + 1):
                    per_entry[key] = int(distance)
        return found

    def match(
        self,
        query: ClipHashes,
        policies: Mapping[int, MatchPolicy],
        excluded_entries: Sequence[int] = (),
    ) -> list[ClipMatch]:
        """Banked clips the new clip matches under their bank's policy, best first.

        Banks missing from ``policies`` are not searched (disabled); entries listed in
        ``excluded_entries`` are skipped (quarantined, or marked wrong for this clip).
        """
        if query.frame_count == 0 or not policies:
            return []
        radius = max(policy.distance for policy in policies.values())
        excluded = set(excluded_entries)
        results = []
        for entry_id, pairs in self.pairs(query, radius).items():
            clip = self.clips[entry_id]
            policy = policies.get(clip.bank_id)
            if policy is None or entry_id in excluded:
                continue
            close = {key: d for key, d in pairs.items() if d <= policy.distance}
            if not close:
                continue
            query_frames = {q for q, _ in close}
            bank_frames = {b for _, b in close}
            needed = min(MIN_MATCHED_FRAMES, query.frame_count, clip.frame_count)
            query_share = len(query_frames) / query.frame_count
            bank_share = len(bank_frames) / max(1, clip.frame_count)
            if len(query_frames) < needed or max(query_share, bank_share) < policy.share:
                continue
            best_key = min(close, key=close.get)
            results.append(
                ClipMatch(
                    entry_id=entry_id,
                    bank_id=clip.bank_id,
                    query_share=round(query_share, 3),
                    bank_share=round(bank_share, 3),
                    best_distance=close[best_key],
                    matched_frames=len(query_frames),
                    best_pair=(query.indices[best_key[0]], clip.frame_indices[best_key[1]]),
                )
            )
        results.sort(key=lambda m: (-max(m.query_share, m.bank_share), m.best_distance))
        return results
