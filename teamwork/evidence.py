"""Evidence packs: one ZIP per request that a platform or a lawyer can act on.

`teamwork.packs.request_pack` records the request and enqueues the task; `build_pack` (the
task's body) claims the pack with a conditional update, writes every
part, stores the ZIP through Django's default storage, records its SHA-256 on the pack and in
the audit log. A pack already built is left alone, so a redelivered task is a no-op.

The ZIP holds: hashes.json (the clip's SHA-256, re-computed from the stored file, and difference
hashes of evenly spaced frames and of the key frames, and their PDQ hashes), keyframes/*.jpg (the
frames where the active detector scored highest) and faces/*.jpg (its top face crops),
detection_runs.json (every run with its model name, version and SHA-256), provenance.json (where
the clip came from, what its container said, bank matches and Content Credentials), reports.json,
decisions.json (the decision chain: proposals under the two-person rule, decisions, appeals, and
the clip's audit trail, with times and reasons), summary.html (a human-readable statement for a
takedown request) and manifest.json (the SHA-256 of every other file).
"""

import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import cv2
import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from dashboard.constants import DecisionAction
from dashboard.locale import locale_preference
from dashboard.media_words import describe_media
from dashboard.models import AuditEvent, Clip
from dashboard.presets import policy_names
from dashboard.signals import gather_signals
from dashboard.workflow import record_event
from detection.frames import open_sampler
from detection.models import DetectionRun
from detection.storage_io import local_path
from provenance.hashing import hash_frames
from provenance.services import active_matches, credentials_for
from teamwork.constants import PackState
from teamwork.models import Appeal, EvidencePack, PendingDecision

logger = logging.getLogger(__name__)

KEY_FRAMES = 6
# The build task's hard time limit (teamwork.tasks), and how long a queued pack may wait.
BUILD_TIME_LIMIT_S = 660
QUEUED_GRACE = timedelta(minutes=10)
HASH_FRAMES = 8
CHUNK = 1024 * 1024
BUILD_ACTOR = "teamwork.tasks.build_evidence_pack"
# Every part a complete pack holds (key frames and faces are folders of JPEGs).
PARTS = (
    "hashes.json",
    "detection_runs.json",
    "provenance.json",
    "reports.json",
    "decisions.json",
    "summary.html",
    "manifest.json",
)


# --- Hashes -------------------------------------------------------------------------------------


def difference_hash(image: np.ndarray) -> str:
    """A 64-bit difference hash (dHash) of a BGR frame, as 16 hex digits: robust to re-encoding
    and scaling, so a re-upload of the same video gives (nearly) the same hashes."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    small = cv2.resize(grey, (9, 8), interpolation=cv2.INTER_AREA)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def _file_sha256(path: Any) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_frames(
    path: Any, spread_count: int, key_indices: list[int]
) -> tuple[list[int], dict[int, np.ndarray]]:
    """`spread_count` frames evenly over the clip plus the key frames, read with scoring's
    reader (`detection.frames`), so frame `n` is the frame the run scored as `n`."""
    with open_sampler(path) as reader:
        last = max(reader.frame_count - 1, 0)
        spread = [int(i * last / max(spread_count - 1, 1)) for i in range(spread_count)]
        frames = {f.index: f.image for f in reader.read(spread + key_indices)}
    return spread, frames


def _pdq_hashes(frames: dict[int, np.ndarray], indices: list[int]) -> list[dict[str, Any]]:
    chosen = [(i, 0.0, frames[i]) for i in dict.fromkeys(indices) if i in frames]
    hashed = hash_frames(chosen)
    return [
        {"frame": index, "pdq": value}
        for index, value in zip(hashed.indices, hashed.full_hex(), strict=True)
    ]


# --- Parts --------------------------------------------------------------------------------------


def _dumps(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, sort_keys=True).encode()


def _runs(clip: Clip) -> list[DetectionRun]:
    return list(
        DetectionRun.objects.filter(clip=clip)
        .with_active_flag()
        .select_related("model")
        .prefetch_related("crops")
        .order_by("-model__is_active", "is_shadow", "-finished_at")
    )


def _active_run(runs: list[DetectionRun]) -> DetectionRun | None:
    return next((r for r in runs if r.is_active_run), None)


def _key_frame_points(run: DetectionRun | None) -> list[dict[str, Any]]:
    if run is None:
        return []
    points = [p for p in run.timeline if p.get("score") is not None and "frame" in p]
    return sorted(points, key=lambda p: (-p["score"], p["frame"]))[:KEY_FRAMES]


def _run_record(run: DetectionRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "model": run.model.name,
        "model_version": run.model.version,
        "model_sha256": run.model.sha256,
        "model_active": run.model.is_active,
        "shadow": run.is_shadow,
        "status": run.status,
        "clip_score": run.clip_score,
        "threshold": run.threshold,
        "frames_total": run.frames_total,
        "frames_scored": run.frames_scored,
        "faces_found": run.faces_found,
        "aggregation": run.aggregation,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "timeline": run.timeline,
    }


def _findings(clip: Clip) -> dict[str, Any]:
    """What the provenance app found: matches to banked media, and Content Credentials."""
    credentials = credentials_for(clip)
    return {
        "bank_matches": [
            {
                "bank": match.entry.bank.name,
                "bank_kind": match.entry.bank.kind,
                "entry": match.entry.pk,
                "entry_title": match.entry.title,
                "entry_external_id": match.entry.external_id,
                "person": match.entry.person.name if match.entry.person else None,
                "share": match.share,
                "best_distance": match.best_distance,
                "matched_frames": match.matched_frames,
                "matched_at": match.matched_at,
            }
            for match in active_matches(clip)
        ],
        "content_credentials": None if credentials is None else credentials.summary(),
    }


def _provenance(clip: Clip) -> dict[str, Any]:
    return {
        "findings": _findings(clip),
        "source_url": clip.source_url,
        "platform": clip.platform,
        "reach": clip.reach,
        "original_filename": clip.original_filename,
        "caption": clip.caption,
        "received_at": clip.created_at,
        "submitted_by": clip.submitted_by.get_username() if clip.submitted_by else None,
        "container": clip.container,
        "codec": clip.codec,
        "width": clip.width,
        "height": clip.height,
        "fps": clip.fps,
        "duration_s": clip.duration_s,
        "has_audio": clip.has_audio,
        "persons": [
            {"name": p.name, "protected": p.protected} for p in clip.persons.order_by("name")
        ],
    }


def _user(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def decision_chain(clip: Clip) -> dict[str, Any]:
    """Every step that led to the outcome, oldest first, with who, when and why."""
    pendings = PendingDecision.objects.filter(clip=clip).select_related(
        "proposed_by", "resolved_by"
    )
    decisions = clip.decisions.select_related("moderator").prefetch_related("labels")
    appeals = Appeal.objects.filter(clip=clip).select_related("reviewed_by")
    events = (
        AuditEvent.objects.filter(clip=clip).select_related("actor").order_by("created_at", "id")
    )
    return {
        "proposals": [
            {
                "action": p.action,
                "reason": p.reason,
                "proposed_by": p.proposer,
                "proposed_at": p.proposed_at,
                "policies": p.covered_by,
                "state": p.state,
                "resolved_by": _user(p.resolved_by),
                "resolved_at": p.resolved_at,
                "resolution_reason": p.resolution_reason,
            }
            for p in pendings
        ],
        "decisions": [
            {
                "decision": d.pk,
                "action": d.action,
                "labels": [label.slug for label in d.labels.all()],
                "reason": d.reason,
                "note": d.note,
                "moderator": d.decided_by,
                "decided_at": d.created_at,
                "evidence": d.evidence,
            }
            for d in decisions
        ],
        "appeals": [
            {
                "appeal": a.pk,
                "statement": a.statement,
                "submitted_at": a.submitted_at,
                "state": a.state,
                "reviewed_by": _user(a.reviewed_by),
                "reviewed_at": a.reviewed_at,
                "reason": a.outcome_reason,
            }
            for a in appeals
        ],
        "audit": [
            {
                "at": e.created_at,
                "who": _user(e.actor) or e.actor_label or "system",
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "reason": (e.data or {}).get("reason", ""),
            }
            for e in events
        ],
    }


# --- Statement of reasons -----------------------------------------------------------------------

# Outcomes that say the clip is manipulated (or breaks a policy): the signals that fired support
# them. An approval rests on the applicable signals that did not fire.
_MANIPULATED_OUTCOMES = (DecisionAction.REMOVE, DecisionAction.LABEL)


def supporting_signals(action: str, signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The signals (as a decision's evidence keeps them) that support `action`: for a removal
    or a label, those that fired; for an approval, the applicable ones that did not. A score
    below its threshold never counts as evidence for a removal."""
    if action in _MANIPULATED_OUTCOMES:
        return [s for s in signals if s.get("fired")]
    if action == DecisionAction.APPROVE:
        return [s for s in signals if s.get("applicable") and not s.get("fired")]
    return []


def statement_of_reasons(clip: Clip) -> dict[str, Any] | None:
    """Why the clip's outcome is what it is, in plain sentences: the final decision, the
    moderator's reason and note, the signals that support it (from what the decider saw, kept
    on the decision) and the media described in words. None when nothing was decided."""
    decision = (
        clip.decisions.select_related("moderator")
        .prefetch_related("labels")
        .order_by("-created_at", "-id")
        .first()
    )
    if decision is None:
        return None
    signals = (decision.evidence or {}).get("signals")
    if signals is None:  # decided before decisions kept their signals: what is known now
        signals = [signal.as_dict() for signal in gather_signals(clip)]
    return {
        "action": decision.get_action_display(),
        "labels": [label.display_name for label in decision.labels.all()],
        "reason": decision.reason,
        "note": decision.note,
        "moderator": decision.decided_by,
        "decided_at": decision.created_at,
        "signals": [
            {"title": s.get("title", ""), "sentence": s.get("sentence", "")}
            for s in supporting_signals(decision.action, signals)
        ],
        "media": describe_media(
            clip.codec, clip.width, clip.height, clip.duration_s, has_audio=clip.has_audio
        ),
    }


# --- Build --------------------------------------------------------------------------------------


def stale_build_cutoff(now: datetime | None = None) -> datetime:
    """Builds started before this belong to a worker that died (past the task's time limit)."""
    return (now or timezone.now()) - timedelta(seconds=BUILD_TIME_LIMIT_S + 60)


def _claim(pack_id: int) -> bool:
    """Take the pack for building (conditional update): a queued or failed one, or one whose
    build outlived the time limit; never a built one, nor one another worker is building."""
    now = timezone.now()
    takeable = Q(state__in=(PackState.QUEUED, PackState.FAILED)) | Q(
        state=PackState.BUILDING, build_started_at__lt=stale_build_cutoff(now)
    )
    return bool(
        EvidencePack.objects.filter(takeable, pk=pack_id).update(
            state=PackState.BUILDING, progress=0, step="starting", error="", build_started_at=now
        )
    )


def stale_pack_ids(now: datetime | None = None) -> list[int]:
    """Packs to send to the broker again: queued for long (the message was lost) or building
    past the time limit (the worker died)."""
    now = now or timezone.now()
    return list(
        EvidencePack.objects.filter(
            Q(state=PackState.QUEUED, requested_at__lt=now - QUEUED_GRACE)
            | Q(state=PackState.BUILDING, build_started_at__lt=stale_build_cutoff(now))
        ).values_list("pk", flat=True)
    )


def _progress(pack_id: int, percent: int, step: str) -> None:
    EvidencePack.objects.filter(pk=pack_id).update(progress=percent, step=step)


def _zip_bytes(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            # A fixed timestamp: the same evidence gives the same bytes and the same hash.
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _render_summary(pack: EvidencePack, context: dict[str, Any]) -> bytes:
    """The pack's summary in the language and time zone of whoever asked for it (their
    profile's choice), else the desk's defaults: a worker has no request to read them from."""
    language, zone = locale_preference(pack.requested_by) if pack.requested_by else ("", "")
    with (
        translation.override(language or settings.LANGUAGE_CODE),
        timezone.override(zone or settings.TIME_ZONE),
    ):
        context = {**context, "policy_names": policy_names()}
        # The statement is worded in the reader's language too: built here, under the override.
        context["reasons"] = statement_of_reasons(context["clip"])
        return render_to_string("teamwork/evidence_summary.html", context).encode()


def build_pack(pack_id: int, progress: Callable[[int, int, str], None] = _progress) -> str:
    """Build pack `pack_id`; returns "built", "skipped" (already built) or "erased" (the
    clip's media was erased under retention: the pack is marked failed with the notice)."""
    if not _claim(pack_id):
        return "skipped"
    pack = EvidencePack.objects.select_related("clip", "clip__submitted_by").get(pk=pack_id)
    clip = pack.clip
    if clip.media_erased_at is not None:
        mark_failed(pack_id, clip.erasure_notice)
        return "erased"
    parts: dict[str, bytes] = {}
    runs = _runs(clip)
    active = _active_run(runs)
    key_points = _key_frame_points(active)

    progress(pack_id, 10, "hashing the clip")
    with local_path(default_storage, clip.file.name, suffix=".mp4") as path:
        sha256 = _file_sha256(path)
        spread, frames = _read_frames(path, HASH_FRAMES, [p["frame"] for p in key_points])
    progress(pack_id, 35, "key frames")
    key_frames = []
    for rank, point in enumerate(key_points, start=1):
        image = frames.get(point["frame"])
        if image is None:
            continue
        name = f"keyframes/{rank:02d}-frame{point['frame']}-score{point['score']:.3f}.jpg"
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
        if ok:
            parts[name] = jpeg.tobytes()
            key_frames.append(
                {
                    "file": name,
                    "frame": point["frame"],
                    "t": point.get("t"),
                    "score": point["score"],
                    "dhash": difference_hash(image),
                }
            )
    faces = []
    if active is not None:
        for crop in active.crops.all():
            name = f"faces/{crop.rank:02d}-t{crop.time_s:.2f}-score{crop.score:.3f}.jpg"
            parts[name] = bytes(crop.jpeg)
            faces.append({"file": name, "t": crop.time_s, "score": crop.score})
    hashes = {
        "sha256": sha256,
        "sha256_matches_record": sha256 == clip.sha256,
        "perceptual": {
            "algorithm": "dHash 64-bit (9x8 greyscale differences), hex",
            "frames": [
                {"frame": i, "dhash": difference_hash(frames[i])} for i in spread if i in frames
            ],
            "key_frames": [{"frame": k["frame"], "dhash": k["dhash"]} for k in key_frames],
            # PDQ, the format hash-sharing programmes exchange (provenance/hashing.py); flat
            # frames have none.
            "pdq": _pdq_hashes(frames, spread),
        },
    }
    parts["hashes.json"] = _dumps(hashes)

    progress(pack_id, 55, "detection runs and provenance")
    parts["detection_runs.json"] = _dumps([_run_record(r) for r in runs])
    provenance = _provenance(clip)
    parts["provenance.json"] = _dumps(provenance)
    reports = [
        {
            "reason": r.reason,
            "note": r.note,
            "reach": r.reach,
            "reported_at": r.created_at,
            "reporter": _user(r.reporter),
        }
        for r in clip.reports.select_related("reporter")
    ]
    parts["reports.json"] = _dumps(reports)

    progress(pack_id, 70, "decision chain")
    chain = decision_chain(clip)
    parts["decisions.json"] = _dumps(chain)

    progress(pack_id, 85, "summary")
    parts["summary.html"] = _render_summary(
        pack,
        {
            "clip": clip,
            "hashes": hashes,
            "key_frames": key_frames,
            "faces": faces,
            "runs": runs,
            "active": active,
            "provenance": provenance,
            "reports": reports,
            "chain": chain,
            "generated_at": timezone.now(),
        },
    )
    parts["manifest.json"] = _dumps(
        {
            "clip": str(clip.public_id),
            "pack": pack.pk,
            "files": {name: hashlib.sha256(data).hexdigest() for name, data in parts.items()},
        }
    )
    data = _zip_bytes(parts)
    digest = hashlib.sha256(data).hexdigest()

    progress(pack_id, 95, "storing")
    with transaction.atomic():
        # The clip's row lock orders this against an erasure (retention) of the same clip.
        erased = Clip.objects.select_for_update().get(pk=clip.pk).media_erased_at is not None
        if not erased:
            _store(pack_id, clip, data, digest)
    if erased:
        mark_failed(pack_id, "The clip's media was erased while the pack was being built.")
        return "erased"
    return "built"


def _store(pack_id: int, clip: Clip, data: bytes, digest: str) -> None:
    """Save the built ZIP on its pack, audited (inside the caller's transaction)."""
    pack = EvidencePack.objects.select_for_update().get(pk=pack_id)
    pack.file.save(f"evidence-{clip.short_id}.zip", ContentFile(data), save=False)
    pack.sha256 = digest
    pack.size_bytes = len(data)
    pack.state = PackState.DONE
    pack.progress = 100
    pack.step = "done"
    pack.finished_at = timezone.now()
    pack.save()
    record_event(
        clip,
        "evidence.built",
        actor_label=BUILD_ACTOR,
        data={"pack": pack.pk, "sha256": digest, "size_bytes": len(data)},
    )


def mark_failed(pack_id: int, error: str) -> None:
    """Record a build that failed for good; audited so a missing pack is explained."""
    with transaction.atomic():
        updated = (
            EvidencePack.objects.filter(pk=pack_id)
            .exclude(state=PackState.DONE)
            .update(state=PackState.FAILED, error=error[:500], step="failed")
        )
        if updated:
            pack = EvidencePack.objects.select_related("clip").get(pk=pack_id)
            record_event(
                pack.clip,
                "evidence.failed",
                actor_label=BUILD_ACTOR,
                data={"pack": pack_id, "error": error[:500]},
            )
