"""vPDQ-style matching of a clip's frame hashes against banked clips, in an index that grows.

Plain Python (no ORM). A :class:`HashIndex` holds every banked clip's frame hashes, one
searchable table per *channel*:

* ``full``: the banked frames' whole-picture, centre-90 % and centre-80 % hashes, searched
  with the new clip's whole-picture hashes (as seen and mirrored) — catches re-encodes,
  resizes, bands, colour changes, mirrors and 10-20 % crops or zooms;
* ``top`` / ``bottom`` / ``left`` / ``right``: banked half-frame hashes, searched with the
  same half of the new clip — catches a logo or caption over part of the picture.

A new clip matches a banked clip when enough frames pair up within the Hamming distance.
The shares are *time-aligned*: a frame counts as paired when it pairs, or when it lies
between two paired frames less than a few sampling steps apart, so a clip sampled densely
(a short repost, 4 frames/s) still covers a banked clip sampled sparsely (a long original,
1 frame/s) and the other way round. ``query_share`` is the share of the new clip's frames
covered, ``bank_share`` that of the banked clip's; the larger must reach the bank's
``share`` (a re-upload trimmed to the middle half covers all of its own frames).

**The index grows without rebuilding.** Each channel is a log-structured set of segments:
new hashes go to a small exact *tail* (faiss ``IndexBinaryIDMap`` over ``IndexBinaryFlat``,
``add_with_ids``); a full tail is *sealed* into a multi-index-hashing segment (sorted
NumPy arrays: 12 tables keyed by 21 bits of the hash, probed at the key and its 21
one-bit flips, which is exact up to 23 bits by pigeonhole — 12 × 2 > 23 — and finds most
pairs beyond); small segments are merged as they pile up (each hash is re-sorted
O(log n) times over its life, never all at once). Removals are tombstones, filtered at
query time and dropped when segments merge. Each faiss id / label is
``entry << 18 | frame << 4 | region``, so nothing beside the tables has to be kept in step.
:meth:`HashIndex.save` / :meth:`HashIndex.load` write and read the arrays as they are, so
loading takes time proportional to the index's size, not a pass over the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from provenance.hashing import (
    CROP80,
    CROP90,
    FULL,
    HASH_BITS,
    HASH_BYTES,
    REGIONS,
    SAMPLE_RATE_PER_S,
    ClipHashes,
)

# One search is a few ms of work: OpenMP's thread team costs more than it gains, and spins
# against the other workers on a busy machine (measured: ~10x slower medians under load).
faiss.omp_set_num_threads(1)

# Up to this many hashes in a channel, all of it stays exact (flat) at any radius.
FLAT_LIMIT = 200_000
# Above it, the exact tail is sealed into a multi-index segment at this many rows.
SEAL_ROWS = 20_000
# Segments are merged automatically only up to this size; larger ones by `compact()`.
MERGE_LIMIT = 4_000_000
MIH_TABLES = 12
MIH_BITS = 21
DIRECT_ROWS = 100_000
# A match needs at least this many paired frames (fewer if either clip is shorter), so a
# single coincidental frame never makes a two-frame bank entry "50 % matched".
MIN_MATCHED_FRAMES = 3
# Unpaired frames between two paired ones count as covered when the paired ones are at
# most this many sampling steps (of the sparser clip) apart.
ALIGN_STEPS = 2.5

ENTRY_SHIFT, FRAME_SHIFT = 18, 4
FRAME_MASK, REGION_MASK = (1 << (ENTRY_SHIFT - FRAME_SHIFT)) - 1, (1 << FRAME_SHIFT) - 1
MAX_FRAMES = FRAME_MASK + 1

# channel name -> (banked regions indexed, query region searched)
CHANNELS: dict[str, tuple[tuple[int, ...], int]] = {
    "full": ((FULL, CROP90, CROP80), FULL),
    **{name: ((REGIONS.index(name),), REGIONS.index(name)) for name in REGIONS[2:6]},
}
CHANNEL_NAMES = tuple(CHANNELS)


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
    # What the new clip is, seen from the banked one ("white band with caption removed,
    # mirrored"); empty for a plain re-encode.
    transform: str = ""


@dataclass(frozen=True)
class _EntryInfo:
    """What matching needs of a banked clip once its hashes are in the index."""

    bank_id: int
    frame_indices: np.ndarray  # int64
    frame_times: np.ndarray  # float32

    @property
    def frame_count(self) -> int:
        return len(self.frame_indices)


# --- segments ------------------------------------------------------------------------------


def _table_keys(codes: np.ndarray) -> np.ndarray:
    """(n, MIH_TABLES) uint32: each hash's 21-bit key per table (bits 0-251)."""
    keys = np.empty((len(codes), MIH_TABLES), np.uint32)
    step = 1_000_000  # unpacked bits cost 256 bytes a hash: work in slices
    weights = (1 << np.arange(MIH_BITS - 1, -1, -1)).astype(np.uint32)
    for start in range(0, len(codes), step):
        bits = np.unpackbits(codes[start : start + step], axis=1)
        for t in range(MIH_TABLES):
            chunk = bits[:, t * MIH_BITS : (t + 1) * MIH_BITS].astype(np.uint32)
            keys[start : start + step, t] = chunk @ weights
    return keys


class _Segment:
    """A sealed, immutable multi-index-hashing segment (sorted NumPy tables)."""

    def __init__(self, codes: np.ndarray, labels: np.ndarray, tables=None) -> None:
        self.codes = np.ascontiguousarray(codes, dtype=np.uint8)
        self.labels = np.ascontiguousarray(labels, dtype=np.int64)
        if tables is None:
            keys = _table_keys(self.codes)
            order = np.argsort(keys, axis=0, kind="stable").astype(np.int32)
            sorted_keys = np.take_along_axis(keys, order, axis=0)
            tables = (np.ascontiguousarray(sorted_keys.T), np.ascontiguousarray(order.T))
        self.keys, self.order = tables  # (tables, n) uint32 and int32
        # Large segments also get a direct-address table per key (8 MB a table): one lookup
        # per probe instead of a binary search over millions of keys.
        self.offsets = None
        if self.size >= DIRECT_ROWS:
            self.offsets = np.stack(
                [
                    np.concatenate(
                        [[0], np.cumsum(np.bincount(keys, minlength=1 << MIH_BITS))]
                    ).astype(np.int64)
                    for keys in self.keys
                ]
            )

    @property
    def size(self) -> int:
        return len(self.labels)

    def search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.size == 0:
            return _empty()
        flips = np.concatenate([[0], 1 << np.arange(MIH_BITS)]).astype(np.uint32)
        query_keys = _table_keys(queries)  # (q, tables)
        q_parts, row_parts = [], []
        for t in range(MIH_TABLES):
            probes = (query_keys[:, t, None] ^ flips[None, :]).ravel()  # (q * 22,)
            if self.offsets is not None:
                lo, hi = self.offsets[t][probes], self.offsets[t][probes + 1]
            else:
                lo = np.searchsorted(self.keys[t], probes, "left")
                hi = np.searchsorted(self.keys[t], probes, "right")
            counts = hi - lo
            total = int(counts.sum())
            if total == 0:
                continue
            starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
            positions = starts + np.arange(total)
            row_parts.append(self.order[t][positions])
            q_parts.append(np.repeat(np.arange(len(probes)) // len(flips), counts))
        if not row_parts:
            return _empty()
        pairs = np.unique(np.concatenate(q_parts) * self.size + np.concatenate(row_parts))
        query_rows, rows = pairs // self.size, pairs % self.size
        words = self.codes.view(np.uint64)
        distances = np.bitwise_count(words[rows] ^ queries.view(np.uint64)[query_rows]).sum(1)
        keep = distances <= radius
        return query_rows[keep], self.labels[rows[keep]], distances[keep].astype(np.int64)


class _Tail:
    """The exact, growing part of a channel: faiss ``add_with_ids`` on a flat index."""

    def __init__(self) -> None:
        self.index = faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(HASH_BITS))
        self.codes: list[np.ndarray] = []
        self.labels: list[np.ndarray] = []

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def add(self, codes: np.ndarray, labels: np.ndarray) -> None:
        self.index.add_with_ids(np.ascontiguousarray(codes), np.ascontiguousarray(labels))
        self.codes.append(codes)
        self.labels.append(labels)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.codes:
            return np.zeros((0, HASH_BYTES), np.uint8), np.zeros(0, np.int64)
        return np.concatenate(self.codes), np.concatenate(self.labels)

    def search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.size == 0:
            return _empty()
        # faiss returns distances strictly below the radius it is given.
        lims, distances, labels = self.index.range_search(np.ascontiguousarray(queries), radius + 1)
        query_rows = np.repeat(np.arange(len(queries)), np.diff(lims.astype(np.int64)))
        return query_rows, labels.astype(np.int64), distances.astype(np.int64)


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    empty = np.zeros(0, np.int64)
    return empty, empty, empty


class _Channel:
    """One channel: sealed segments plus the exact tail."""

    def __init__(self) -> None:
        self.segments: list[_Segment] = []
        self.tail = _Tail()

    @property
    def size(self) -> int:
        return self.tail.size + sum(s.size for s in self.segments)

    def add(self, codes: np.ndarray, labels: np.ndarray, removed: set[int]) -> None:
        if len(labels) == 0:
            return
        self.tail.add(codes, labels)
        if self.size > FLAT_LIMIT and self.tail.size >= SEAL_ROWS:
            self.seal(removed)

    def seal(self, removed: set[int]) -> None:
        """Turn the tail into a segment and merge segments of similar size (bounded)."""
        codes, labels = self.tail.arrays()
        self.tail = _Tail()
        if len(labels):
            self.segments.append(_Segment(*_live(codes, labels, removed)))
        while (
            len(self.segments) >= 2
            and self.segments[-2].size <= 2 * self.segments[-1].size
            and self.segments[-2].size + self.segments[-1].size <= MERGE_LIMIT
        ):
            last, before = self.segments.pop(), self.segments.pop()
            codes = np.concatenate([before.codes, last.codes])
            labels = np.concatenate([before.labels, last.labels])
            self.segments.append(_Segment(*_live(codes, labels, removed)))

    def search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        parts = [self.tail.search(queries, radius)]
        parts += [segment.search(queries, radius) for segment in self.segments]
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]


def _live(codes: np.ndarray, labels: np.ndarray, removed: set[int]) -> tuple:
    if not removed:
        return codes, labels
    keep = ~np.isin(labels >> ENTRY_SHIFT, np.fromiter(removed, np.int64))
    return codes[keep], labels[keep]


# --- the index -------------------------------------------------------------------------------


class HashIndex:
    """Every banked clip's hashes, searchable by a new clip; entries come and go live."""

    def __init__(self, clips: Iterable[BankedClip] = ()) -> None:
        # Only the bank and frame positions are kept: the hashes live in the tables.
        self.clips: dict[int, _EntryInfo] = {}
        self.removed: set[int] = set()
        self.channels = {name: _Channel() for name in CHANNELS}
        self.add_many(clips)

    @property
    def size(self) -> int:
        """Hashes indexed over all channels (removed entries included until compacted)."""
        return sum(channel.size for channel in self.channels.values())

    def add(self, clip: BankedClip) -> None:
        """Add one banked clip's hashes; visible to the next :meth:`match`."""
        self.add_many([clip])

    def add_many(self, clips: Iterable[BankedClip], batch_rows: int = 2_000_000) -> None:
        """Add clips, a batch at a time (a first load seals one segment per batch)."""
        buckets: dict[str, tuple[list, list]] = {name: ([], []) for name in CHANNELS}
        pending = 0
        for clip in clips:
            pending += self._stage(clip, buckets)
            if pending >= batch_rows:
                self._flush(buckets)
                pending = 0
        self._flush(buckets)

    def _stage(self, clip: BankedClip, buckets: dict[str, tuple[list, list]]) -> int:
        hashes = clip.hashes
        # An entry id is never re-used: a removed one coming back is a replayed log row.
        if (
            clip.entry_id in self.clips
            or clip.entry_id in self.removed
            or hashes.frame_count > MAX_FRAMES
        ):
            return 0
        self.clips[clip.entry_id] = _EntryInfo(
            clip.bank_id,
            np.asarray(hashes.indices, np.int64),
            np.asarray(hashes.times, np.float32),
        )
        staged = 0
        for name, (regions, _query_region) in CHANNELS.items():
            codes, labels = buckets[name]
            for region in regions:
                keep = np.flatnonzero(hashes.valid[:, region])
                if len(keep) == 0:
                    continue
                codes.append(hashes.hashes[keep, 0, region])
                labels.append((clip.entry_id << ENTRY_SHIFT) | (keep << FRAME_SHIFT) | region)
                staged += len(keep)
        return staged

    def _flush(self, buckets: dict[str, tuple[list, list]]) -> None:
        for name, (codes, labels) in buckets.items():
            if not labels:
                continue
            channel = self.channels[name]
            rows, ids = np.concatenate(codes), np.concatenate(labels).astype(np.int64)
            if channel.size + len(ids) > FLAT_LIMIT and len(ids) >= SEAL_ROWS:
                channel.seal(self.removed)  # a bulk load: its own segment, straight away
                channel.segments.append(_Segment(rows, ids))
            else:
                channel.add(rows, ids, self.removed)
            codes.clear()
            labels.clear()

    def remove(self, entry_id: int) -> None:
        """Take an entry out of matching now; its rows go when segments are compacted."""
        self.clips.pop(entry_id, None)
        self.removed.add(entry_id)

    def compact(self) -> None:
        """Merge every channel into one segment without removed rows (a maintenance step)."""
        for channel in self.channels.values():
            codes, labels = channel.tail.arrays()
            all_codes = [s.codes for s in channel.segments] + [codes]
            all_labels = [s.labels for s in channel.segments] + [labels]
            merged = _live(np.concatenate(all_codes), np.concatenate(all_labels), self.removed)
            channel.segments, channel.tail = [], _Tail()
            if channel.size + len(merged[1]) <= FLAT_LIMIT:
                channel.tail.add(*merged)
            else:
                channel.segments.append(_Segment(*merged))
        self.removed.clear()

    # --- persistence -----------------------------------------------------------------------

    def save(self, directory: str | Path, meta: Mapping | None = None) -> None:
        """Write the index's arrays to ``directory`` (replaced as a whole)."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        for name, channel in self.channels.items():
            codes, labels = channel.tail.arrays()
            arrays[f"{name}.tail.codes"], arrays[f"{name}.tail.labels"] = codes, labels
            for i, seg in enumerate(channel.segments):
                arrays[f"{name}.{i}.codes"], arrays[f"{name}.{i}.labels"] = seg.codes, seg.labels
                arrays[f"{name}.{i}.keys"], arrays[f"{name}.{i}.order"] = seg.keys, seg.order
        entries = np.fromiter(self.clips, np.int64, len(self.clips))
        infos = [self.clips[int(e)] for e in entries]
        arrays["entries"] = entries
        arrays["banks"] = np.asarray([i.bank_id for i in infos], np.int64)
        arrays["frame_counts"] = np.asarray([i.frame_count for i in infos], np.int64)
        arrays["frame_indices"] = _concat([i.frame_indices for i in infos], np.int64)
        arrays["frame_times"] = _concat([i.frame_times for i in infos], np.float32)
        arrays["removed"] = np.fromiter(self.removed, np.int64, len(self.removed))
        segments = {name: len(ch.segments) for name, ch in self.channels.items()}
        temp = path / "index.npz.tmp"
        with temp.open("wb") as handle:
            np.savez(handle, **arrays)
        temp.replace(path / "index.npz")
        (path / "index.json").write_text(json.dumps({"segments": segments, **(meta or {})}))

    @classmethod
    def load(cls, directory: str | Path) -> tuple[HashIndex, dict]:
        """Read an index :meth:`save` wrote, and the ``meta`` saved with it."""
        path = Path(directory)
        meta = json.loads((path / "index.json").read_text())
        index = cls()
        with np.load(path / "index.npz") as data:
            for name, channel in index.channels.items():
                codes, labels = data[f"{name}.tail.codes"], data[f"{name}.tail.labels"]
                if len(labels):
                    channel.tail.add(codes, labels)
                for i in range(meta["segments"][name]):
                    tables = (data[f"{name}.{i}.keys"], data[f"{name}.{i}.order"])
                    channel.segments.append(
                        _Segment(data[f"{name}.{i}.codes"], data[f"{name}.{i}.labels"], tables)
                    )
            counts = data["frame_counts"]
            bounds = np.concatenate([[0], np.cumsum(counts)])
            indices, times = data["frame_indices"], data["frame_times"]
            for n, (entry, bank) in enumerate(zip(data["entries"], data["banks"], strict=True)):
                lo, hi = bounds[n], bounds[n + 1]
                index.clips[int(entry)] = _EntryInfo(int(bank), indices[lo:hi], times[lo:hi])
            index.removed = {int(e) for e in data["removed"]}
        return index, meta

    # --- matching --------------------------------------------------------------------------

    def pairs(self, query: ClipHashes, radius: int) -> dict[int, dict[tuple[int, int], int]]:
        """Closest distance of each (query frame, banked frame) pair per entry, within radius."""
        found: dict[int, dict[tuple[int, int], int]] = {}
        table = self._pair_table(query, radius)
        for entry, q, b, d in zip(*table[:4], strict=True):
            per_entry = found.setdefault(int(entry), {})
            key = (int(q), int(b))
            if d < per_entry.get(key, HASH_BITS + 1):
                per_entry[key] = int(d)
        return found

    def _pair_table(self, query: ClipHashes, radius: int) -> tuple[np.ndarray, ...]:
        """(entry, query frame, banked frame, distance, mirrored, channel, banked region),
        one row per closest pair, sorted by entry."""
        parts = []
        for c, (name, (_regions, region)) in enumerate(CHANNELS.items()):
            frames = np.flatnonzero(query.valid[:, region])
            if len(frames) == 0:
                continue
            # rows 0..n-1 as seen, n..2n-1 mirrored
            queries = np.concatenate(
                [query.hashes[frames, 0, region], query.hashes[frames, 1, region]]
            )
            query_rows, labels, distances = self.channels[name].search(queries, radius)
            parts.append(
                np.stack(
                    [
                        labels >> ENTRY_SHIFT,
                        frames[query_rows % len(frames)],
                        (labels >> FRAME_SHIFT) & FRAME_MASK,
                        distances,
                        query_rows >= len(frames),
                        np.full(len(labels), c),
                        labels & REGION_MASK,
                    ]
                )
            )
        if not parts:
            return tuple(np.zeros(0, np.int64) for _ in range(7))
        rows = np.concatenate(parts, axis=1)
        if self.removed:
            rows = rows[:, ~np.isin(rows[0], np.fromiter(self.removed, np.int64))]
        # closest first within each (entry, query frame, banked frame); keep that one
        order = np.lexsort((rows[3], rows[2], rows[1], rows[0]))
        rows = rows[:, order]
        first = np.ones(rows.shape[1], bool)
        first[1:] = (np.diff(rows[:3], axis=1) != 0).any(axis=0)
        return tuple(rows[:, first])

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
        entries, q_frames, b_frames, distances, mirrored, channels, regions = self._pair_table(
            query, radius
        )
        query_times = np.asarray(query.times, np.float64)
        results = []
        bounds = np.flatnonzero(np.diff(entries)) + 1
        for lo, hi in zip(
            np.concatenate([[0], bounds]), np.concatenate([bounds, [len(entries)]]), strict=True
        ):
            if lo == hi:
                continue
            entry_id = int(entries[lo])
            clip = self.clips.get(entry_id)
            if clip is None or entry_id in excluded:
                continue
            policy = policies.get(clip.bank_id)
            if policy is None:
                continue
            close = np.flatnonzero(distances[lo:hi] <= policy.distance) + lo
            if len(close) == 0:
                continue
            paired_q = np.unique(q_frames[close])
            paired_b = np.unique(b_frames[close])
            needed = min(MIN_MATCHED_FRAMES, query.frame_count, clip.frame_count)
            if len(paired_q) < needed:
                continue
            gap = ALIGN_STEPS * max(_step(query_times), _step(clip.frame_times))
            query_share = _covered(paired_q, query_times, gap) / query.frame_count
            bank_share = _covered(paired_b, clip.frame_times, gap) / max(1, clip.frame_count)
            if max(query_share, bank_share) < policy.share:
                continue
            best = close[np.argmin(distances[close])]
            results.append(
                ClipMatch(
                    entry_id=entry_id,
                    bank_id=clip.bank_id,
                    query_share=round(query_share, 3),
                    bank_share=round(bank_share, 3),
                    best_distance=int(distances[best]),
                    matched_frames=len(paired_q),
                    best_pair=(
                        query.indices[int(q_frames[best])],
                        int(clip.frame_indices[int(b_frames[best])]),
                    ),
                    transform=_describe(query, mirrored[close], channels[close], regions[close]),
                )
            )
        results.sort(key=lambda m: (-max(m.query_share, m.bank_share), m.best_distance))
        return results


def _concat(arrays: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype)


def _step(times: np.ndarray) -> float:
    """A clip's sampling step in seconds (0 when its frames carry no times)."""
    if len(times) < 2:
        return 1.0 / SAMPLE_RATE_PER_S
    return float(np.median(np.diff(np.sort(times))))


def _covered(paired: np.ndarray, times: np.ndarray, gap: float) -> int:
    """Frames paired, or between two paired frames at most ``gap`` seconds apart."""
    if gap <= 0 or len(paired) < 2:
        return len(paired)
    paired_times = np.sort(times[paired])
    position = np.searchsorted(paired_times, times, "right")
    inside = (position > 0) & (position < len(paired_times))
    before = paired_times[np.clip(position - 1, 0, len(paired_times) - 1)]
    after = paired_times[np.clip(position, 0, len(paired_times) - 1)]
    between = inside & (after - before <= gap)
    is_paired = np.zeros(len(times), bool)
    is_paired[paired] = True
    return int(np.count_nonzero(is_paired | between))


def _describe(
    query: ClipHashes, mirrored: np.ndarray, channels: np.ndarray, regions: np.ndarray
) -> str:
    """Which transformation the pairs show, in words for the desk."""
    parts = [f"{band.describe()} removed" for band in query.bands]
    if mirrored.mean() > 0.5:
        parts.append("mirrored")
    full = CHANNEL_NAMES.index("full")
    halves = channels[channels != full]
    if len(halves) > 0.5 * len(channels):
        counts = np.bincount(halves, minlength=len(CHANNEL_NAMES))
        half = CHANNEL_NAMES[int(np.argmax(counts))]
        parts.append(f"overlay elsewhere (matched on the {half} half)")
    else:
        on_full = regions[channels == full]
        for region, words in ((CROP90, "cropped or zoomed ~10 %"), (CROP80, "cropped ~20 %")):
            if len(on_full) and (on_full == region).mean() > 0.5:
                parts.append(words)
    return ", ".join(parts)
