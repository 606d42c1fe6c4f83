"""Provenance rules: banking decided fakes, matching new clips, quarantine, wrong matches.

``do_*`` functions write (and audit); ``check_*`` functions validate. Tasks and views call
these and nothing else. Hashing and matching themselves are plain Python
(:mod:`provenance.hashing`, :mod:`provenance.matching`); this module meets the ORM.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import c2pa
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.constants import UNDECIDED_STATES, ClipStatus, DecisionAction
from dashboard.decisions import DecisionError, evidence_for, propose_decision
from dashboard.errors import ServiceError
from dashboard.filenames import sanitize_filename
from dashboard.hooks import ProposedDecision
from dashboard.memo import once
from dashboard.models import Clip, Decision, Label, Person
from dashboard.persons import add_person
from dashboard.priority import refresh_priority
from dashboard.roles import is_moderator
from dashboard.workflow import TransitionError, record_event, transition
from detection.frames import UnreadableMediaError, sample_frames
from detection.probe import MediaRejected, sniff_media_type
from detection.storage_io import local_path
from provenance import live_index
from provenance.c2pa_io import DECISION_ASSERTION, read_credentials, sign_file
from provenance.cases import join_case_from_matches
from provenance.hashing import ClipHashes, hamming, hash_frames, hash_video
from provenance.matching import BankedClip, ClipMatch, HashIndex, MatchPolicy
from provenance.metadata_io import VERSION as METADATA_VERSION
from provenance.metadata_io import read_metadata
from provenance.models import (
    BankEntry,
    BankKind,
    BankMatch,
    ClipCredentials,
    ClipFingerprint,
    ClipMetadata,
    CredentialState,
    DisclosedRendition,
    EntrySource,
    HashBank,
    RenditionState,
)
from provenance.regions import ReferenceFeatures, find_derived, largest_change
from provenance.rendition import RenditionError, burn_notice

ACTOR = "task:provenance"
AUTO_APPLY_ACTOR = "policy:provenance_auto_apply"
DEFAULT_FAKE_BANK = "Known fakes"
DEFAULT_REFERENCE_BANK = "Authentic references"
# Open clips whose priority is read again when an entry they matched is unbanked; the bank's
# quarantine keeps an entry's matches far below this.
UNBANK_REFRESH_LIMIT = 500
logger = logging.getLogger(__name__)


class ProvenanceError(ServiceError):
    """A provenance act was refused; ``code`` is stable for the API."""


# --- fingerprints ------------------------------------------------------------------------


def fingerprint(clip: Clip) -> ClipHashes:
    """The clip's frame hashes, computed on first use and kept."""
    existing = ClipFingerprint.objects.filter(clip=clip).first()
    if existing is not None:
        return existing.hashes
    with local_path(default_storage, clip.file.name) as path:
        hashes = hash_video(path)
    record = ClipFingerprint(clip=clip)
    record.set_hashes(hashes)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # a concurrent job stored it first; same content, same hashes
        pass
    return hashes


# --- the per-process index ---------------------------------------------------------------


def hash_index() -> HashIndex:
    """This process's live index over every bank entry, current with the bank's change log
    (provenance.live_index): entries banked or removed are applied, nothing is rebuilt."""
    return live_index.live.current()


# --- banking -----------------------------------------------------------------------------


def is_bankable(decision: Decision) -> bool:
    """Removed, or labelled with at least one label that means "manipulated"."""
    if decision.action == DecisionAction.REMOVE:
        return True
    return (
        decision.action == DecisionAction.LABEL
        and decision.labels.filter(manipulated=True).exists()
    )


def default_bank(kind: str = BankKind.KNOWN_FAKE) -> HashBank:
    name = DEFAULT_FAKE_BANK if kind == BankKind.KNOWN_FAKE else DEFAULT_REFERENCE_BANK
    bank, _created = HashBank.objects.get_or_create(name=name, defaults={"kind": kind})
    return bank


def do_bank_decision(decision_id: int) -> BankEntry | None:
    """Add the decided clip's hashes to the known-fake bank; a re-run changes nothing.

    Returns the entry, or None when the decision doesn't call for banking or the clip has
    no frame textured enough to hash.
    """
    decision = Decision.objects.select_related("clip").get(pk=decision_id)
    if not is_bankable(decision):
        return None
    bank = default_bank()
    existing = BankEntry.objects.filter(bank=bank, clip=decision.clip).first()
    if existing is not None:
        return existing
    hashes = fingerprint(decision.clip)
    if hashes.frame_count == 0:
        return None
    entry = BankEntry(
        bank=bank,
        source=EntrySource.DECISION,
        clip=decision.clip,
        decision=decision,
        decision_action=decision.action,
        labels=sorted(decision.labels.values_list("slug", flat=True)),
        persons=sorted(decision.clip.persons.values_list("name", flat=True)),
    )
    entry.set_hashes(hashes)
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            return BankEntry.objects.get(bank=bank, clip=decision.clip)
        record_event(
            decision.clip,
            "provenance.banked",
            actor_label=ACTOR,
            data={"entry": entry.pk, "bank": bank.name, "frames": entry.frame_count},
        )
    return entry


def unbank_superseded(decision: Decision, labels: Sequence[Label]) -> None:
    """The `decision_recorded` hook: when an appeal overturned a decision, the known-fake
    entry banked from it goes (inside the new decision's transaction, audited); the clips that
    matched it lose that match and their priority is read again. A new decision that calls for
    banking banks the clip afresh once it commits (`provenance.tasks.bank_decided_clip`)."""
    if decision.supersedes_id is None:
        return
    entries = list(
        BankEntry.objects.filter(
            decision_id=decision.supersedes_id, bank__kind=BankKind.KNOWN_FAKE
        ).select_related("bank")
    )
    for entry in entries:
        matched = list(
            Clip.objects.filter(bank_matches__entry=entry, status__in=UNDECIDED_STATES).distinct()[
                :UNBANK_REFRESH_LIMIT
            ]
        )
        record_event(
            decision.clip,
            "provenance.unbanked",
            actor=decision.moderator,
            actor_label="" if decision.moderator_id else ACTOR,
            data={
                "entry": entry.pk,
                "bank": entry.bank.name,
                "decision": decision.supersedes_id,
                "superseded_by": decision.pk,
                "matched_clips": len(matched),
            },
        )
        entry.delete()  # its matches go with it (cascade); the live indexes hear of it
        for clip in matched:
            refresh_priority(clip)


# --- matching ----------------------------------------------------------------------------


def _policies() -> dict[int, MatchPolicy]:
    return {
        bank.pk: MatchPolicy(distance=bank.distance, share=bank.share)
        for bank in HashBank.objects.filter(enabled=True)
    }


def _excluded_entries(clip: Clip) -> list[int]:
    quarantined = BankEntry.objects.filter(quarantined_at__isnull=False).values_list(
        "id", flat=True
    )
    wrong = BankMatch.objects.filter(clip=clip, marked_wrong_at__isnull=False).values_list(
        "entry_id", flat=True
    )
    own = BankEntry.objects.filter(clip=clip).values_list("id", flat=True)
    return [*quarantined, *wrong, *own]


def check_quarantine(entry: BankEntry, clip: Clip) -> bool:
    """Pause ``entry`` when it has matched too many distinct clips lately; audited.

    Returns True when the entry is (now) quarantined and the match must not count.
    """
    if entry.quarantined_at is not None:
        return True
    bank = entry.bank
    since = timezone.now() - timedelta(hours=bank.quarantine_window_hours)
    recent = (
        BankMatch.objects.filter(entry=entry, matched_at__gte=since)
        .exclude(clip=clip)
        .values("clip")
        .distinct()
        .count()
    )
    if recent + 1 <= bank.quarantine_matches:
        return False
    _quarantine(
        entry,
        clip,
        f"matched {recent + 1} clips within {bank.quarantine_window_hours} h "
        f"(limit {bank.quarantine_matches})",
    )
    return True


def _quarantine(entry: BankEntry, clip: Clip, reason: str) -> None:
    """Pause `entry` (it stops counting as a match) and audit why on the clip it met."""
    BankEntry.objects.filter(pk=entry.pk).update(
        quarantined_at=timezone.now(), quarantine_reason=reason
    )
    entry.quarantined_at = timezone.now()
    record_event(
        clip,
        "provenance.entry_quarantined",
        actor_label=ACTOR,
        data={"entry": entry.pk, "bank": entry.bank.name, "reason": reason},
    )


def _quarantine_if_unusable(entry: BankEntry, clip: Clip) -> bool:
    """Quarantine an entry whose stored decision the desk cannot apply; audited and logged.

    Imports validate decisions, but older rows (or hand edits) may hold anything: one such
    entry must not break matching, or auto-apply, for every clip it matches.
    """
    if not entry.decision_action or entry.decision_action in DecisionAction.values:
        return False
    reason = f"stored decision {entry.decision_action[:40]!r} is not a desk action"
    logger.error("Quarantining bank entry %s: %s", entry.pk, reason)
    _quarantine(entry, clip, reason)
    return True


def do_match_clip(clip_id: int) -> list[BankMatch]:
    """Match a clip against the enabled banks and store what it matches; idempotent.

    Raises the clip's priority when it matches a known fake, and applies the banked
    decision when its bank's auto-apply policy is on.
    """
    clip = Clip.objects.get(pk=clip_id)
    policies = _policies()
    if not policies or not BankEntry.objects.filter(bank_id__in=policies).exists():
        return []
    excluded = _excluded_entries(clip)
    found = hash_index().match(fingerprint(clip), policies, excluded)
    found += _match_references_by_features(clip, policies, excluded, found)
    stored: list[BankMatch] = []
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        entries = BankEntry.objects.select_related("bank").in_bulk([m.entry_id for m in found])
        for match in found:
            entry = entries.get(match.entry_id)
            if entry is None:  # deleted since the index was built
                continue
            if check_quarantine(entry, clip) or _quarantine_if_unusable(entry, clip):
                continue
            row = _store_match(clip, entry, match)
            stored.append(row)
        # Copies of the same fabrication form a case (provenance.cases).
        join_case_from_matches(clip, stored)
        refresh_priority(clip)
        fakes = [m for m in stored if m.entry.bank.kind == BankKind.KNOWN_FAKE]
        if fakes and fakes[0].entry.bank.auto_apply and not closer_to_reference(stored):
            _auto_apply(clip, fakes[0])
    # What changed against a reference photo, outside the lock (alignment takes ~a second).
    for row in stored:
        if _is_photo_reference(row.entry) and not row.change_overlay:
            _store_change_mask(row)
    return stored


# Reference photos compared by local features with each clip, newest first: a hard bound on
# the work per clip. Measured: one reference against one frame (2000 ORB features, brute-force
# Hamming kNN + RANSAC) costs 0.16 s on this 2-core machine under load 5-9, so 20 references
# x 3 frames is at most ~10 s a clip there; more references need an approximate index over
# their descriptors (FLANN LSH), which is not built yet.
FEATURE_REFERENCE_LIMIT = 20
FEATURE_SAMPLE_RATE_PER_S = 2.0
FEATURE_SAMPLED_FRAMES = 24
_reference_features: dict[int, ReferenceFeatures] = {}


PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def _is_photo_reference(entry: BankEntry) -> bool:
    return entry.bank.kind == BankKind.REFERENCE and entry.reference_file.name.lower().endswith(
        PHOTO_SUFFIXES
    )


def _read_first_frame(name: str):
    """The first frame of stored media (a photo's only frame, upright by EXIF), BGR."""
    with local_path(default_storage, name) as path:
        return next(iter(sample_frames(path, rate_per_s=1.0, max_frames=1))).image


def _clip_frames(clip: Clip) -> list[tuple[int, Any]]:
    with local_path(default_storage, clip.file.name) as path:
        return [
            (f.index, f.image)
            for f in sample_frames(
                path, rate_per_s=FEATURE_SAMPLE_RATE_PER_S, max_frames=FEATURE_SAMPLED_FRAMES
            )
        ]


def _features_of(entry: BankEntry) -> ReferenceFeatures | None:
    cached = _reference_features.get(entry.pk)
    if cached is None:
        try:
            cached = ReferenceFeatures.of(entry.pk, _read_first_frame(entry.reference_file.name))
        except (OSError, UnreadableMediaError, StopIteration):
            logger.warning("Reference %s cannot be read for feature matching", entry.pk)
            return None
        _reference_features[entry.pk] = cached
    return cached


def _match_references_by_features(
    clip: Clip, policies: dict[int, MatchPolicy], excluded: list[int], found: list[ClipMatch]
) -> list[ClipMatch]:
    """Reference photos the clip derives from although no frame hash is near them (cropped to
    the face, zoomed, padded, the face animated): ORB features + RANSAC (provenance.regions)."""
    already = {m.entry_id for m in found} | set(excluded)
    candidates = list(
        BankEntry.objects.filter(
            bank_id__in=policies,
            bank__kind=BankKind.REFERENCE,
            quarantined_at__isnull=True,
            reference_file__iregex=r"\.(jpe?g|png|webp)$",
        )
        .exclude(pk__in=already)
        .order_by("-pk")[:FEATURE_REFERENCE_LIMIT]
    )
    if not candidates:
        return []
    try:
        frames = _clip_frames(clip)
    except UnreadableMediaError:
        return []
    features = [f for f in (_features_of(entry) for entry in candidates) if f is not None]
    by_id = {entry.pk: entry for entry in candidates}
    matches = []
    for hit in find_derived(frames, features):
        entry = by_id[hit.entry_id]
        frame = dict(frames)[hit.frame_index]
        # The pixel-hash distance is kept as it is (not a feature score): a feature match
        # never looks closer than the hashes say when weighed against known fakes.
        frame_hash = hash_frames([(hit.frame_index, 0.0, frame)])
        distance = 256
        if frame_hash.frame_count and entry.frame_count:
            distance = hamming(
                bytes(frame_hash.hashes[0, 0, 0]), bytes(entry.hashes.hashes[0, 0, 0])
            )
        share = round(hit.frames_found / hit.frames_compared, 3)
        matches.append(
            ClipMatch(
                entry_id=entry.pk,
                bank_id=entry.bank_id,
                query_share=share,
                bank_share=share,
                best_distance=min(distance, 256),
                matched_frames=hit.frames_found,
                best_pair=(hit.frame_index, 0),
                transform=(
                    f"found by local features ({hit.inliers} consistent, "
                    f"{hit.frames_found} of {hit.frames_compared} frames compared)"
                ),
            )
        )
    return matches


def _store_change_mask(row: BankMatch) -> None:
    """Align the clip's frames onto the reference photo and keep what changed (a PNG over the
    reference, and its shares); nothing is kept when no frame aligns."""
    try:
        reference = _read_first_frame(row.entry.reference_file.name)
        frames = _clip_frames(row.clip)
    except (OSError, UnreadableMediaError, StopIteration):
        return
    found = largest_change(reference, frames)
    if found is None:
        return
    _index, changes = found
    row.change_share = changes.changed_share
    row.change_face_share = changes.face_share
    row.change_overlay.save(
        f"{uuid.uuid4().hex}.png", ContentFile(changes.overlay_png(reference)), save=False
    )
    row.save(update_fields=["change_share", "change_face_share", "change_overlay"])


def _store_match(clip: Clip, entry: BankEntry, match: ClipMatch, **audit: Any) -> BankMatch:
    """Keep what `clip` matches of `entry` (the same row on a re-run); a new pair is audited."""
    row, created = BankMatch.objects.update_or_create(
        clip=clip,
        entry=entry,
        defaults={
            "query_share": match.query_share,
            "bank_share": match.bank_share,
            "best_distance": match.best_distance,
            "matched_frames": match.matched_frames,
            "clip_frame": match.best_pair[0],
            "entry_frame": match.best_pair[1],
            "transform": match.transform[:300],
        },
    )
    if created:
        record_event(
            clip,
            "provenance.matched",
            actor_label=ACTOR,
            data={
                "entry": entry.pk,
                "bank": entry.bank.name,
                "kind": entry.bank.kind,
                "query_share": match.query_share,
                "bank_share": match.bank_share,
                "best_distance": match.best_distance,
                "transform": match.transform,
                **audit,
            },
        )
    return row


# The open clips a new reference is compared with, newest first: the pass stays bounded
# however large the desk grows (older open clips are long past their SLA anyway).
REFERENCE_DESK_LIMIT = 5000
# Fingerprints read per batch while comparing (each is a few KB of packed hashes).
REFERENCE_DESK_BATCH = 200


def do_match_desk_against_reference(entry_id: int) -> list[BankMatch]:
    """Compare the open clips already on the desk with a newly registered authentic reference
    and store what matches (shown as "derived from authentic source"); audited, idempotent.

    Only clips that were hashed already (scored, matched once) are compared, at most
    REFERENCE_DESK_LIMIT of them, newest first; a clip still being scored is matched against
    every entry, this one included, when its scoring commits. Marked done on the entry, so a
    re-sent job does nothing; a re-run before that re-uses the stored match rows.
    """
    entry = BankEntry.objects.select_related("bank").get(pk=entry_id)
    if entry.desk_matched_at is not None:
        return []
    stored: list[BankMatch] = []
    checked = 0
    if entry.bank.enabled and entry.bank.kind == BankKind.REFERENCE and entry.frame_count:
        index = HashIndex([BankedClip(entry.pk, entry.bank_id, entry.hashes)])
        policies = {
            entry.bank_id: MatchPolicy(distance=entry.bank.distance, share=entry.bank.share)
        }
        wrong = set(
            BankMatch.objects.filter(entry=entry, marked_wrong_at__isnull=False).values_list(
                "clip_id", flat=True
            )
        )
        prints = (
            ClipFingerprint.objects.filter(clip__status__in=UNDECIDED_STATES)
            .exclude(clip_id__in=wrong)
            .order_by("-clip__created_at", "-clip_id")[:REFERENCE_DESK_LIMIT]
        )
        for record in prints.iterator(chunk_size=REFERENCE_DESK_BATCH):
            checked += 1
            found = index.match(record.hashes, policies)
            if not found:
                continue
            with transaction.atomic():
                clip = Clip.objects.select_for_update().get(pk=record.clip_id)
                row = _store_match(clip, entry, found[0], registered_after_clip=True)
                stored.append(row)
                # Copies derived from the same authentic reference form a case, as they do
                # when matched at scoring (provenance.cases).
                join_case_from_matches(clip, [row])
                # As close to a reference as to a known fake lowers the match's level.
                refresh_priority(clip)
    with transaction.atomic():
        done = BankEntry.objects.filter(pk=entry.pk, desk_matched_at__isnull=True).update(
            desk_matched_at=timezone.now()
        )
        if done:
            record_event(
                None,
                "provenance.reference_matched_desk",
                actor_label=ACTOR,
                data={
                    "entry": entry.pk,
                    "clips_compared": checked,
                    "limit": REFERENCE_DESK_LIMIT,
                    "matched": [m.clip_id for m in stored],
                },
            )
    return stored


def closer_to_reference(matches: list[BankMatch]) -> bool:
    """Whether the clip is at least as close to an authentic reference as to any known fake.

    Then it may well be the authentic original (or another faithful copy of it) rather than
    the fake made from it: nothing is applied automatically and the desk says so.
    """
    fakes = [m for m in matches if m.entry.bank.kind == BankKind.KNOWN_FAKE]
    references = [m for m in matches if m.entry.bank.kind == BankKind.REFERENCE]
    if not fakes or not references:
        return False
    best_fake = min(m.best_distance for m in fakes)
    return min(m.best_distance for m in references) <= best_fake


def _auto_apply(clip: Clip, match: BankMatch) -> None:
    """Decide the clip as the banked decision did, as the system, only when nobody reviews it.

    The decision is recorded like any other (Decision row, webhook, banking, audit) by
    `dashboard.decisions.propose_decision`, so the two-person rule applies: when a policy
    covers the clip, the decision waits for a moderator to confirm it.
    """
    entry = match.entry
    if clip.status != ClipStatus.AWAITING_REVIEW or not entry.decision_action:
        return
    action = entry.decision_action
    labels = list(Label.objects.filter(slug__in=entry.labels, active=True))
    if action == DecisionAction.LABEL and not labels:
        return  # the banked labels are gone: a person decides
    source = {
        "entry": entry.pk,
        "decision": entry.decision_id,
        "share": match.share,
        "best_distance": match.best_distance,
    }
    reason = f"Matches known fake #{entry.pk} in {entry.bank.name} (share {match.share:.2f})."
    try:
        with transaction.atomic():
            # The state machine only decides clips under review: the system takes it first.
            transition(
                clip.pk,
                ClipStatus.IN_REVIEW,
                actor_label=AUTO_APPLY_ACTOR,
                action="provenance.auto_apply_claim",
                expected_from=(ClipStatus.AWAITING_REVIEW,),
                data={"entry": entry.pk},
            )
            clip.refresh_from_db()
            propose_decision(
                clip,
                actor=None,
                actor_label=AUTO_APPLY_ACTOR,
                action=action,
                labels=labels,
                reason=reason[:500],
                evidence={**evidence_for(clip), "auto_applied_from": source},
                audit_data={"auto_applied_from": source},
            )
    except (TransitionError, DecisionError):
        return  # claimed or decided meanwhile: a person is on it


def decision_evidence(clip: Clip) -> dict[str, Any]:
    """The `decision_evidence` hook: what provenance knew when the clip was decided — its
    Content Credentials (None when not read yet) and the bank matches the desk showed."""
    credentials = ClipCredentials.objects.filter(clip=clip).first()
    return {
        "content_credentials": None
        if credentials is None
        else {**credentials.summary(), "failures": credentials.failures},
        "bank_matches": [
            {
                "entry": m.entry_id,
                "bank": m.entry.bank.name,
                "kind": m.entry.bank.kind,
                "share": m.share,
                "best_distance": m.best_distance,
            }
            for m in active_matches(clip)
        ],
    }


def do_mark_match_wrong(match_id: int, user: AbstractBaseUser) -> BankMatch:
    """A moderator says this clip does not match that entry; it stays excluded."""
    if not is_moderator(user):
        raise ProvenanceError("forbidden", _("Only moderators mark matches."), 403)
    with transaction.atomic():
        match = BankMatch.objects.select_for_update().select_related("clip").get(pk=match_id)
        if match.marked_wrong_at is not None:
            return match
        match.marked_wrong_at = timezone.now()
        match.marked_wrong_by = user
        match.save(update_fields=["marked_wrong_at", "marked_wrong_by"])
        record_event(
            match.clip,
            "provenance.match_marked_wrong",
            actor=user,
            data={"entry": match.entry_id, "match": match.pk},
        )
        refresh_priority(match.clip)
    return match


def known_fake_matches(clip: Clip) -> list[BankMatch]:
    """The clip's active matches to known-fake entries, best first."""
    fakes = [m for m in active_matches(clip) if m.entry.bank.kind == BankKind.KNOWN_FAKE]
    return sorted(fakes, key=lambda m: (-m.share, m.best_distance))


def is_known_fake(clip: Clip) -> bool:
    """Whether a bank says the clip is a known fake: an active match to a known-fake entry."""
    return BankMatch.objects.filter(
        clip=clip,
        marked_wrong_at__isnull=True,
        entry__quarantined_at__isnull=True,
        entry__bank__kind=BankKind.KNOWN_FAKE,
    ).exists()


def check_clearing_known_fake(proposal: ProposedDecision) -> None:
    """The `decision_checks` hook: approving (leaving up, unlabelled) a clip a bank says is a
    known fake needs the moderator's reason; the two-person rule then asks a second moderator
    (teamwork's seeded "known fake approved" policy)."""
    if proposal.action != DecisionAction.APPROVE or proposal.reason.strip():
        return
    if is_known_fake(proposal.clip):
        raise DecisionError(
            "reason_required_known_fake",
            _(
                "A hash bank says this clip is a known fake: give the reason for approving it "
                "(a second moderator confirms it)."
            ),
        )


def banked_persons(entry: BankEntry) -> list[str]:
    """Who the known fake depicted: the original clip's persons now (a moderator may have
    tagged more since it was banked), else the names banked with an imported entry."""
    if entry.clip_id is not None:
        names = sorted(entry.clip.persons.values_list("name", flat=True))
        if names:
            return names
    return sorted(set(entry.persons or []))


def do_tag_banked_persons(match_id: int, user: AbstractBaseUser) -> list[Person]:
    """Tag on the clip the persons its known-fake match's original depicts (one key on the
    review page). Each is an ordinary person edit (`dashboard.persons.add_person`: allowed,
    audited, priority refreshed); persons already tagged are skipped, so a re-run is a no-op."""
    if not is_moderator(user):
        raise ProvenanceError("forbidden", _("Only moderators tag persons on clips."), 403)
    match = BankMatch.objects.select_related("clip", "entry__clip").get(pk=match_id)
    if match.marked_wrong_at is not None:
        raise ProvenanceError(
            "match_marked_wrong", _("This match was marked wrong; nothing was tagged.")
        )
    present = {name.casefold() for name in match.clip.persons.values_list("name", flat=True)}
    names = [name for name in banked_persons(match.entry) if name.casefold() not in present]
    with transaction.atomic():
        return [add_person(match.clip_id, user, name) for name in names]


def active_matches(clip: Clip) -> list[BankMatch]:
    """What the desk shows: matches not marked wrong, to entries not quarantined (read once
    per page: dashboard.memo)."""
    return list(
        once(
            ("active_matches", clip.pk),
            lambda: list(
                BankMatch.objects.filter(
                    clip=clip, marked_wrong_at__isnull=True, entry__quarantined_at__isnull=True
                ).select_related("clip", "entry", "entry__bank", "entry__person", "entry__clip")
            ),
        )
    )


# --- authentic references ----------------------------------------------------------------


def hash_reference_file(path: str, kind: str) -> ClipHashes:
    """Hash a reference: a still image (one frame) or a video (its sampled frames).

    Both through the one frame reader, so a reference photo is hashed upright by its EXIF
    orientation exactly as a photo under review is (``detection.frames.open_sampler``).
    """
    try:
        return hash_video(path)
    except UnreadableMediaError as exc:
        message = (
            _("The reference image cannot be read.")
            if kind == "image"
            else _("The reference cannot be read.")
        )
        raise ProvenanceError("unreadable_reference", message) from exc


def do_register_reference(
    person: Person,
    title: str,
    upload: File,
    user: AbstractBaseUser,
    *,
    date: date | None = None,
    source: str = "",
    audit: dict[str, Any] | None = None,
) -> BankEntry:
    """Register authentic media of ``person`` in the reference bank; audited.

    New clips are matched against it after scoring, and a match is shown as "derived from
    authentic source" beside the reference. What the file is comes from its bytes (PyAV's
    probe, or a still's signature) and names the stored file's extension; the uploader's
    name is kept only as the default title.
    """
    if not is_moderator(user):
        raise ProvenanceError("forbidden", _("Only moderators register references."), 403)
    name = sanitize_filename(upload.name or "reference")
    with tempfile.NamedTemporaryFile(suffix=".upload") as temp:
        for chunk in upload.chunks():
            temp.write(chunk)
        temp.flush()
        try:
            sniffed = sniff_media_type(temp.name)
        except MediaRejected as exc:
            raise ProvenanceError(
                "unsupported_reference", _("A reference must be a video or a JPEG/PNG/WebP image.")
            ) from exc
        hashes = hash_reference_file(temp.name, sniffed.kind)
    if hashes.frame_count == 0:
        raise ProvenanceError("flat_reference", _("The reference has no detail to match on."))
    entry = BankEntry(
        bank=default_bank(BankKind.REFERENCE),
        source=EntrySource.REFERENCE,
        person=person,
        title=title.strip()[:200] or name[:200],
        persons=[person.name],
        reference_date=date,
        reference_source=source.strip()[:300],
        registered_by=user,
    )
    entry.set_hashes(hashes)
    with transaction.atomic():
        upload.seek(0)
        entry.reference_file.save(f"{uuid.uuid4().hex}.{sniffed.extension}", upload, save=False)
        entry.save()
        record_event(
            None,
            "provenance.reference_registered",
            actor=user,
            data={"entry": entry.pk, "person": person.pk, "title": entry.title, **(audit or {})},
        )
    return entry


# --- Content Credentials -------------------------------------------------------------------


def do_read_credentials(clip_id: int) -> ClipCredentials:
    """Read the clip's C2PA manifest once and keep the summary; a re-run re-uses it."""
    clip = Clip.objects.get(pk=clip_id)
    existing = ClipCredentials.objects.filter(clip=clip).first()
    if existing is not None:
        return existing
    # The stored extension was sniffed from the content: c2pa reads a photo as its format.
    suffix = Path(clip.file.name).suffix or ".mp4"
    with local_path(default_storage, clip.file.name, suffix=suffix) as path:
        creds = read_credentials(path, settings.PROVENANCE_C2PA_TRUST_ANCHORS or None)
    record = ClipCredentials(clip=clip, state=CredentialState.NONE)
    if creds is not None:
        record.state = creds.state
        record.signer = creds.signer[:300]
        record.signer_org = creds.signer_org[:300]
        record.signed_at = str(creds.signed_at or "")[:64]
        record.claim_generator = creds.claim_generator[:300]
        record.source_type = creds.source_type[:100]
        record.ai_generated = creds.ai_generated
        record.failures = list(creds.failures)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            return ClipCredentials.objects.get(clip=clip)
        if creds is not None:
            record_event(
                clip,
                "provenance.credentials_read",
                actor_label=ACTOR,
                data={
                    "state": record.state,
                    "signer": record.signer,
                    "claim_generator": record.claim_generator,
                    "ai_generated": record.ai_generated,
                },
            )
            if record.ai_generated:
                # A declaration of generative AI raises the suspicion level, so the priority.
                refresh_priority(clip)
    return record


def do_read_metadata(clip_id: int) -> ClipMetadata:
    """Read the clip's metadata tags once (provenance.metadata_io) and keep what they declare;
    a re-run re-uses it. A declaration raises the suspicion level, so the priority."""
    clip = Clip.objects.get(pk=clip_id)
    existing = ClipMetadata.objects.filter(clip=clip).first()
    if existing is not None:
        return existing
    suffix = Path(clip.file.name).suffix or ".mp4"
    with local_path(default_storage, clip.file.name, suffix=suffix) as path:
        read = read_metadata(path, clip.kind)
    record = ClipMetadata(
        clip=clip,
        version=METADATA_VERSION,
        findings=[f.as_dict() for f in read.findings],
        notes=list(read.notes),
        fields_read=list(read.fields_read),
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            return ClipMetadata.objects.get(clip=clip)
        declared = [f for f in read.findings if f.declares_ai]
        if declared:
            record_event(
                clip,
                "provenance.metadata_read",
                actor_label=ACTOR,
                data={"findings": [{"field": f.field, "generator": f.generator} for f in declared]},
            )
            refresh_priority(clip)
    return record


def read_missing_metadata(limit: int = 1000) -> tuple[int, int]:
    """Read the tags of clips with a file and none read yet (clips matched before the
    metadata signals existed), oldest first; returns (read, unreadable)."""
    pending = (
        Clip.objects.filter(metadata_tags__isnull=True)
        .exclude(file="")
        .order_by("pk")
        .values_list("pk", flat=True)[: max(0, limit)]
    )
    read = failed = 0
    for clip_id in list(pending):
        try:
            do_read_metadata(clip_id)
        except (OSError, UnreadableMediaError):
            failed += 1  # the file is gone or unreadable: nothing to declare
        else:
            read += 1
    return read, failed


def stored_credentials(clip: Clip) -> ClipCredentials | None:
    """What was read of the clip's Content Credentials (state `none` when it carries none);
    None before they were read. Read once per page (dashboard.memo)."""
    return once(("credentials", clip.pk), lambda: ClipCredentials.objects.filter(clip=clip).first())


def credentials_for(clip: Clip) -> ClipCredentials | None:
    """The stored summary when the clip carries Content Credentials, else None."""
    record = stored_credentials(clip)
    return record if record is not None and record.state != CredentialState.NONE else None


# --- disclosed renditions ------------------------------------------------------------------

RENDITION_GENERATOR = "Unmask disclosed rendition"


def do_make_rendition(decision_id: int) -> DisclosedRendition:
    """Produce the labelled clip's disclosed rendition; a re-run returns the ready one.

    The clip gets the burned-in notice, then a C2PA manifest signed with the operator's
    certificate declaring ``trainedAlgorithmicMedia`` and citing the decision.
    """
    decision = Decision.objects.select_related("clip").get(pk=decision_id)
    if decision.action != DecisionAction.LABEL:
        raise ProvenanceError(
            "not_labelled", _("Only a Label decision gets a disclosed rendition.")
        )
    rendition, _created = DisclosedRendition.objects.get_or_create(
        decision=decision, defaults={"clip": decision.clip}
    )
    if rendition.state == RenditionState.READY:
        return rendition
    if decision.clip.media_erased_at is not None:
        return _rendition_failed(rendition, decision.clip.erasure_notice)
    if not (settings.PROVENANCE_SIGNING_CERT and settings.PROVENANCE_SIGNING_KEY):
        return _rendition_failed(rendition, "No signing certificate is configured.")
    clip = decision.clip
    cited = {
        "decision": decision.pk,
        "action": decision.action,
        "labels": sorted(decision.labels.values_list("slug", flat=True)),
        "decided_at": decision.created_at.isoformat(),
        "clip": str(clip.public_id),
    }
    with (
        tempfile.TemporaryDirectory() as work,
        local_path(default_storage, clip.file.name, suffix=".mp4") as source,
    ):
        burned = Path(work) / "burned.mp4"
        signed = Path(work) / "signed.mp4"
        try:
            burn_notice(source, burned)
            sign_file(
                burned,
                signed,
                cert_chain_pem=settings.PROVENANCE_SIGNING_CERT.encode(),
                private_key_pem=settings.PROVENANCE_SIGNING_KEY.encode(),
                generator=RENDITION_GENERATOR,
                title=f"{clip.short_id} (disclosed)",
                extra_assertions=[{"label": DECISION_ASSERTION, "data": cited}],
            )
        except (RenditionError, c2pa.C2paError) as exc:
            return _rendition_failed(rendition, str(exc))
        data = signed.read_bytes()
    with transaction.atomic():
        rendition.file.save(f"{clip.public_id.hex}-{decision.pk}.mp4", ContentFile(data), False)
        rendition.sha256 = hashlib.sha256(data).hexdigest()
        rendition.state = RenditionState.READY
        rendition.failure_reason = ""
        rendition.finished_at = timezone.now()
        rendition.save()
        record_event(
            clip,
            "provenance.rendition_ready",
            actor_label=ACTOR,
            data={"rendition": rendition.pk, "decision": decision.pk, "sha256": rendition.sha256},
        )
    return rendition


def _rendition_failed(rendition: DisclosedRendition, reason: str) -> DisclosedRendition:
    rendition.state = RenditionState.FAILED
    rendition.failure_reason = reason[:500]
    rendition.finished_at = timezone.now()
    rendition.save(update_fields=["state", "failure_reason", "finished_at"])
    record_event(
        rendition.clip,
        "provenance.rendition_failed",
        actor_label=ACTOR,
        data={"rendition": rendition.pk, "reason": rendition.failure_reason},
    )
    return rendition
