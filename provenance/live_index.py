"""Each process's live hash index: loaded once, then kept current from the bank's change log.

Design (issue 19): every worker holds its own :class:`~provenance.matching.HashIndex` and
applies :class:`~provenance.models.BankChange` rows — the database is the one owner of the
truth. Chosen over a single matcher process because it needs nothing new to deploy, watch or
fail over (a matcher service or a one-worker queue is one more single point of failure on the
path every scored clip takes), a search stays an in-process call of a few ms, and consistency
is simple to state: a match reads the log at its start, so it sees every entry whose
transaction committed before — within the same database round trip, not "seconds". The cost
is memory per process (about 0.4 GB per million whole-frame hashes measured; see README), which on
this deployment's two workers is well within the machine.

* At start a process loads the snapshot (``UNMASK_PROVENANCE_INDEX_DIR``, written by
  ``manage.py provenance_index --save`` or the beat task), in time proportional to its size,
  then applies the log written since. Without a snapshot it builds from the entries once.
* Adding an entry adds its hashes (faiss ``add_with_ids`` into the exact tail); removing one
  makes it a tombstone. Nothing is rebuilt; ``rebuilds`` counts full builds for the tests.
* Log ids are assigned at insert, not at commit: on PostgreSQL a row with a lower id can
  commit after one with a higher id. Rows are therefore re-read for ``LATE_COMMIT_S``
  seconds above the low-water mark and applied once each (adds and removes are idempotent:
  an entry id is never re-used and a removed one is never re-added).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from provenance.matching import BankedClip, HashIndex
from provenance.models import BankChange, BankChangeKind, BankEntry

logger = logging.getLogger(__name__)

LATE_COMMIT_S = 60
HASH_FIELDS = (
    "id",
    "bank_id",
    "frame_hashes",
    "frame_valid",
    "frame_indices",
    "frame_times",
    "frame_bands",
)


class LiveIndex:
    """A process's index and how far into the change log it has read."""

    def __init__(self) -> None:
        self.index: HashIndex | None = None
        self.low_water = 0  # every change up to here is applied
        self.seen: set[int] = set()  # changes above low_water already applied
        self.rebuilds = 0
        self.lock = threading.Lock()

    def current(self) -> HashIndex:
        """The index with every committed change applied."""
        with self.lock:
            if self.index is None:
                self._start()
            self._apply_log()
            return self.index  # type: ignore[return-value]

    def _start(self) -> None:
        directory = snapshot_dir()
        if directory is not None and (directory / "index.json").exists():
            try:
                started = time.perf_counter()
                index, meta = HashIndex.load(directory)
                if meta.get("database") != _database_name():
                    raise ValueError("the snapshot was written for another database")
                self.index = index
                self.low_water = int(meta["low_water"])
                self.seen = {int(i) for i in meta["seen"]}
                logger.info(
                    "Loaded hash index snapshot (%s hashes) in %.2f s",
                    self.index.size,
                    time.perf_counter() - started,
                )
                return
            except (OSError, ValueError, KeyError) as exc:
                logger.error("Hash index snapshot unreadable, building from the bank: %s", exc)
        # Read the log position first: an entry committed meanwhile is both streamed and
        # logged, and adding it twice is a no-op.
        last = BankChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.low_water, self.seen = last, set()
        self.index = HashIndex(_loadable(BankEntry.objects.only(*HASH_FIELDS).iterator()))
        self.rebuilds += 1

    def _apply_log(self) -> None:
        index = self.index
        assert index is not None
        changes = list(
            BankChange.objects.filter(id__gt=self.low_water)
            .exclude(id__in=self.seen)
            .values_list("id", "kind", "entry_id")
        )
        if changes:
            added = [entry for _, kind, entry in changes if kind == BankChangeKind.ADD]
            entries = BankEntry.objects.filter(pk__in=added).only(*HASH_FIELDS).in_bulk()
            for _change_id, kind, entry_id in changes:
                if kind == BankChangeKind.ADD and entry_id in entries:
                    index.add_many(_loadable([entries[entry_id]]))
                elif kind == BankChangeKind.REMOVE:
                    index.remove(entry_id)
            self.seen.update(change_id for change_id, _, _ in changes)
        self._advance()

    def _advance(self) -> None:
        """Move the low-water mark over changes old enough that none below can still come."""
        if not self.seen:
            return
        settled = BankChange.objects.filter(
            id__in=self.seen, created_at__lt=timezone.now() - timedelta(seconds=LATE_COMMIT_S)
        ).values_list("id", flat=True)
        mark = max(settled, default=self.low_water)
        if mark > self.low_water:
            self.low_water = mark
            self.seen = {i for i in self.seen if i > mark}

    def save(self, compact: bool = True) -> Path | None:
        """Write the snapshot other processes start from (after compacting tombstones)."""
        directory = snapshot_dir()
        if directory is None:
            return None
        with self.lock:
            if self.index is None:
                self._start()
            self._apply_log()
            if compact:
                self.index.compact()  # type: ignore[union-attr]
            self.index.save(  # type: ignore[union-attr]
                directory,
                {
                    "low_water": self.low_water,
                    "seen": sorted(self.seen),
                    "database": _database_name(),
                },
            )
        return directory

    def reset(self) -> None:
        with self.lock:
            self.index, self.low_water, self.seen, self.rebuilds = None, 0, set(), 0


live = LiveIndex()


def snapshot_dir() -> Path | None:
    value = settings.UNMASK_PROVENANCE_INDEX_DIR
    return Path(value) if value else None


def _database_name() -> str:
    return str(settings.DATABASES["default"]["NAME"])


def _loadable(entries: Iterable[BankEntry]) -> Iterator[BankedClip]:
    """Entries whose stored hashes load; a damaged one is left out (and logged), so it cannot
    stop the index from being built for every other entry."""
    for entry in entries:
        try:
            hashes = entry.hashes
        except (ValueError, TypeError) as exc:
            logger.error("Bank entry %s has unreadable hashes, not indexed: %s", entry.pk, exc)
            continue
        yield BankedClip(entry.pk, entry.bank_id, hashes)


# --- the log's writers: every ORM save and delete of an entry, cascades included -------------


def _log_added(sender, instance: BankEntry, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        BankChange.objects.create(kind=BankChangeKind.ADD, entry_id=instance.pk)


def _log_removed(sender, instance: BankEntry, **kwargs) -> None:
    BankChange.objects.create(kind=BankChangeKind.REMOVE, entry_id=instance.pk)


def connect() -> None:
    """Called from the app's ready(): log every entry added or removed."""
    post_save.connect(_log_added, sender=BankEntry, dispatch_uid="provenance_log_added")
    post_delete.connect(_log_removed, sender=BankEntry, dispatch_uid="provenance_log_removed")
