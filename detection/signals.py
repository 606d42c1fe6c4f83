"""Detection's signal: the face-manipulation model's verdict on a clip, honest about its limits.

The active model's latest finished run becomes one `dashboard.signals.Signal`:

* no face the model can judge (rules version 2 abstained, or an older run that found no face
  and scored frame centres): **not applicable**, with the counts;
* below the threshold: not fired ("says nothing either way": an uncalibrated score below a
  threshold is no evidence of authenticity);
* at or above it: fired, supporting a **weak** level while the model is validated on synthetic
  data only (or not at all), **strong** once it is trusted on real data
  (`detection.validation`).

The value is the clip score, the model's 0-1 output aggregated by the rule in
`detection.scoring`; the sentence names the frames it rests on.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard.hooks import SignalProvider, signal_providers
from dashboard.models import Clip
from dashboard.signals import Signal, SuspicionLevel
from detection.models import DetectionRun, ProviderScore, ProviderStatus
from detection.validation import validation_status

NAME = "face_manipulation_model"
SCALE = "0-1 model output for the most suspicious faces (not a probability on real media)"
WHERE_POINTS = 3


def _clock(seconds: float) -> str:
    minutes, rest = divmod(float(seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


# The rule as `detection.scoring.aggregation_rule` stores it on a run, in English.
_STORED_RULE = re.compile(
    r"mean of the top (?P<k>\d+) frame scores among frames with a scorable face "
    r"\(face confidence ≥ (?P<confidence>[0-9.]+), at least half the model's input\); "
    r"no score when no frame has one"
)


def describe_aggregation(stored: str) -> str:
    """A run's stored clip-score rule in the reader's language; a rule worded otherwise (an
    older version) is shown as stored."""
    match = _STORED_RULE.fullmatch(stored)
    if match is None:
        return stored
    return (
        _(
            "mean of the top %(k)s frame scores among frames with a scorable face "
            "(face confidence ≥ %(confidence)s, at least half the model's input); "
            "no score when no frame has one"
        )
        % match.groupdict()
    )


def active_run(clip: Clip) -> DetectionRun | None:
    """The active model's finished run on `clip`, the run the desk shows (Clip.active_run: the
    one definition, read once per page)."""
    return clip.active_run()


def abstained(run: DetectionRun) -> bool:
    """Whether the run gives the model no say: no scorable face (or, for a run made under
    rules version 1, no face at all, so its score came from frame centres)."""
    if run.clip_score is None or run.abstained:
        return True
    return run.rules_version < 2 and run.frames_scored > 0 and run.faces_found == 0


def no_face_sentence(run: DetectionRun) -> str:
    """ "No face found" in words, with the counts the run recorded."""
    counts = run.counts or {}
    sampled = counts.get("frames_sampled", run.frames_scored)
    found = counts.get("faces_found", run.faces_found)
    if found:
        sentence = _(
            "No face found that the model can judge in %(sampled)s sampled frames "
            "(%(found)s face detections: %(small)s too small, %(doubtful)s low confidence). "
            "The model judges faces only, so it says nothing about this clip."
        ) % {
            "sampled": sampled,
            "found": found,
            "small": counts.get("faces_too_small", 0),
            "doubtful": counts.get("faces_low_confidence", 0),
        }
    else:
        sentence = _(
            "No face found that the model can judge in %(sampled)s sampled frames. "
            "The model judges faces only, so it says nothing about this clip."
        ) % {"sampled": sampled}
    if run.rules_version < 2:
        sentence += " " + _(
            "(Scored under the old rules, which judged frame centres: re-score it.)"
        )
    return sentence


def _where(run: DetectionRun) -> tuple[dict[str, Any], ...]:
    points = [p for p in run.timeline if p.get("score") is not None and p["score"] >= run.threshold]
    points.sort(key=lambda p: (-p["score"], p.get("t", 0)))
    return tuple(
        {
            "t": p["t"],
            "frame": p.get("frame", 0),
            "label": _("%(t)s (frame %(frame)s): %(score).2f")
            % {"t": _clock(p["t"]), "frame": p.get("frame", 0), "score": p["score"]},
        }
        for p in points[:WHERE_POINTS]
    )


def face_model_signal(run: DetectionRun | None) -> Signal:
    """The signal of one run (None: the active model has not scored the clip)."""
    if run is None:
        return Signal(
            NAME,
            "",
            _("Face-manipulation model"),
            _("The active model has not scored this clip yet."),
            scale=SCALE,
            not_applicable="not scored yet",
        )
    model = run.model
    status = validation_status(model.validation)
    common = {
        "version": f"{model.label}, rules {run.rules_version}",
        "title": _("Face-manipulation model"),
        "scale": SCALE,
        "cost_ms": (run.timings_ms or {}).get("total"),
        "detail": status.summary,
        "link": reverse("dashboard:model_card", args=[model.pk]),
    }
    if abstained(run):
        return Signal(
            NAME, sentence=no_face_sentence(run), not_applicable="no face found", **common
        )
    counts = run.counts or {}
    with_face = counts.get("frames_with_face", run.frames_scored - run.frames_without_face)
    basis = _("%(rule)s; %(with_face)s of %(sampled)s sampled frames had a face") % {
        "rule": describe_aggregation(run.aggregation) if run.aggregation else _("clip score"),
        "with_face": with_face,
        "sampled": run.frames_scored,
    }
    fired = run.clip_score >= run.threshold
    where = _where(run)
    if fired:
        moments = ", ".join(w["label"] for w in where)
        hint = (
            _("a hint from a model trusted on real data")
            if status.trusted_on_real
            else _("a weak hint: the model is %(status)s") % {"status": status.label}
        )
        sentence = _(
            "The model scored the faces %(score).2f, at or above its threshold %(threshold).2f "
            "(%(basis)s); most suspicious at %(moments)s. This is %(hint)s."
        ) % {
            "score": run.clip_score,
            "threshold": run.threshold,
            "basis": basis,
            "moments": moments,
            "hint": hint,
        }
    else:
        sentence = _(
            "The model scored the faces %(score).2f, below its threshold %(threshold).2f "
            "(%(basis)s). A low score is not evidence of authenticity."
        ) % {"score": run.clip_score, "threshold": run.threshold, "basis": basis}
    return Signal(
        NAME,
        value=run.clip_score,
        fired=fired,
        supports=SuspicionLevel.STRONG if status.trusted_on_real else SuspicionLevel.WEAK,
        sentence=sentence,
        where=where,
        **common,
    )


def clip_signals(clip: Clip) -> list[Signal]:
    return [face_model_signal(active_run(clip))]


def register() -> None:
    signal_providers.register(NAME, SignalProvider(NAME, clip_signals))


# --- Remote detection providers (detection/providers.py) --------------------------------------

PROVIDER_SCALE = "the provider's own score (uncalibrated here)"


def provider_signal(row: ProviderScore) -> Signal:
    """One provider's answer as a signal. An unvalidated provider's signal never fires: its
    score is shown as a weak hint to look for yourself and adds nothing to the priority."""
    provider = row.provider
    name = f"provider:{provider.name}"
    common = {
        "version": "remote",
        "title": f"Remote detector {provider.name}",
        "scale": PROVIDER_SCALE,
        "cost_ms": row.latency_ms,
        "extra": {"provider": provider.name, "status": row.status},
    }
    if row.status in (ProviderStatus.PENDING, ProviderStatus.CALLING):
        return Signal(
            name,
            sentence=f"{provider.name} has not answered yet; review does not wait for it.",
            not_applicable="waiting for the provider",
            **common,
        )
    if row.status != ProviderStatus.DONE or row.score is None:
        return Signal(
            name,
            sentence=f"{provider.name} gave no score ({row.error or row.status}); "
            "review does not depend on it.",
            not_applicable="no answer from the provider",
            **common,
        )
    above = row.score >= provider.threshold
    where = "at or above" if above else "below"
    if provider.validated:
        return Signal(
            name,
            value=row.score,
            fired=above,
            supports=SuspicionLevel.WEAK,
            sentence=f"{provider.name} scored {row.score:.2f}, {where} its threshold "
            f"{provider.threshold:.2f}. Its operator marked it validated on real media; "
            "it is still a weak hint.",
            detail=provider.validation_note,
            **common,
        )
    return Signal(
        name,
        value=row.score,
        sentence=f"{provider.name} scored {row.score:.2f}, {where} its threshold "
        f"{provider.threshold:.2f}. It is not validated on real media: a weak hint to look "
        "for yourself, not counted in the priority.",
        **common,
    )


def remote_signals(clip: Clip) -> list[Signal]:
    rows = ProviderScore.objects.filter(clip=clip).select_related("provider")
    return [provider_signal(row) for row in rows]


def register_providers() -> None:
    key = "remote_providers"
    signal_providers.register(key, SignalProvider(key, remote_signals))
