"""Measuring a detector on labelled media: the figures `manage.py evaluate_detector` prints.

Plain Python over (class, kind, score) items; the command scores the files through the
worker's own pipeline (`detection.tasks.score_file`) and hands the results here. Items the
model abstained on (no face it can judge) take no part in the score figures and are listed
apart: an abstention is neither a hit nor a false alarm.

* ``auc``: area under the ROC curve (Mann-Whitney, ties count half), with ``auc_ci`` the 2.5
  and 97.5 percentiles over ``BOOTSTRAP_ROUNDS`` resamples of the scored items (fixed seed,
  resamples with one class only are skipped); null when a class is missing.
* ``tpr`` / ``fpr``: share of scored fakes / reals at or above the model's threshold.
* ``ece``: expected calibration error over 10 equal-width bins (the score read as a
  probability of "fake"), weighted by items per bin.
* ``per_kind``: items, scored items, mean score and no-face count per kind.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BOOTSTRAP_ROUNDS = 1000
BOOTSTRAP_SEED = 20240
ECE_BINS = 10
MEDIA_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif"})
CLASSES = ("fake", "real")


class EvaluationSetError(ValueError):
    """The labelled set cannot be read; the message says why, for an operator."""


@dataclass(frozen=True)
class LabelledItem:
    path: Path
    is_fake: bool
    kind: str


@dataclass(frozen=True)
class ScoredItem:
    item: LabelledItem
    score: float | None  # None: the model abstained (no face)
    error: str = ""


def _folder_items(root: Path) -> list[LabelledItem]:
    items = []
    for label in CLASSES:
        base = root / label
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix.lower() in MEDIA_SUFFIXES:
                # fake/face_swap/x.mp4 is of kind "face_swap"; fake/x.mp4 of kind "fake".
                relative = path.relative_to(base)
                kind = relative.parts[0] if len(relative.parts) > 1 else label
                items.append(LabelledItem(path, label == "fake", kind))
    return items


def _csv_items(manifest: Path) -> list[LabelledItem]:
    items = []
    with manifest.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"file", "class"} <= set(reader.fieldnames):
            raise EvaluationSetError("The CSV manifest needs the columns file,class[,kind].")
        for line, row in enumerate(reader, start=2):
            label = (row.get("class") or "").strip().lower()
            if label not in CLASSES:
                raise EvaluationSetError(f"Line {line}: class must be fake or real, not {label!r}.")
            path = (manifest.parent / (row.get("file") or "").strip()).resolve()
            if not path.is_file():
                raise EvaluationSetError(f"Line {line}: no file {path}.")
            kind = (row.get("kind") or "").strip() or label
            items.append(LabelledItem(path, label == "fake", kind))
    return items


def load_labelled_set(path: str | Path) -> list[LabelledItem]:
    """The items of a folder with ``fake/`` and ``real/`` subfolders, or of a CSV manifest
    (``file,class,kind``; files relative to the CSV)."""
    path = Path(path)
    if path.is_dir():
        if not (path / "fake").is_dir() or not (path / "real").is_dir():
            raise EvaluationSetError(f"{path} needs fake/ and real/ subfolders.")
        items = _folder_items(path)
    elif path.is_file() and path.suffix.lower() == ".csv":
        items = _csv_items(path)
    else:
        raise EvaluationSetError(f"{path} is neither a folder nor a .csv manifest.")
    if not items:
        raise EvaluationSetError(f"No media files found in {path}.")
    return items


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (Mann-Whitney rank statistic, ties count half)."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    bounds = np.flatnonzero(np.diff(sorted_s)) + 1
    for start, end in zip(
        np.concatenate([[0], bounds]), np.concatenate([bounds, [len(s)]]), strict=True
    ):
        ranks[order[start:end]] = (start + end + 1) / 2
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bootstrap_auc(
    labels: Sequence[bool], scores: Sequence[float], rounds: int = BOOTSTRAP_ROUNDS
) -> list[float] | None:
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if roc_auc(y, s) is None:
        return None
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    values = []
    for _ in range(rounds):
        pick = rng.integers(0, len(s), len(s))
        auc = roc_auc(y[pick], s[pick])
        if auc is not None:
            values.append(auc)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def expected_calibration_error(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    y = np.asarray(labels, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    if len(s) == 0:
        return None
    bins = np.minimum((s * ECE_BINS).astype(int), ECE_BINS - 1)
    total = 0.0
    for b in range(ECE_BINS):
        members = bins == b
        if members.any():
            total += members.sum() * abs(s[members].mean() - y[members].mean())
    return float(total / len(s))


def _share(flags: Iterable[bool]) -> float | None:
    flags = list(flags)
    return round(sum(flags) / len(flags), 4) if flags else None


def _round(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 4)


def summarize(results: Sequence[ScoredItem], threshold: float, root: Path) -> dict[str, Any]:
    """The figures over `results` (see the module docstring), as one JSON-ready dict."""
    scored = [r for r in results if r.score is not None and not r.error]
    labels = [r.item.is_fake for r in scored]
    scores = [float(r.score) for r in scored]  # type: ignore[arg-type]

    def name(item: LabelledItem) -> str:
        try:
            return str(item.path.relative_to(root))
        except ValueError:
            return str(item.path)

    per_kind: dict[str, dict[str, Any]] = {}
    for r in results:
        entry = per_kind.setdefault(
            r.item.kind,
            {
                "class": "fake" if r.item.is_fake else "real",
                "items": 0,
                "scored": 0,
                "no_face": 0,
                "_sum": 0.0,
            },
        )
        entry["items"] += 1
        if r.score is not None and not r.error:
            entry["scored"] += 1
            entry["_sum"] += r.score
        elif not r.error:
            entry["no_face"] += 1
    for entry in per_kind.values():
        total = entry.pop("_sum")
        entry["mean_score"] = round(total / entry["scored"], 4) if entry["scored"] else None

    no_face = [name(r.item) for r in results if r.score is None and not r.error]
    return {
        "items": len(results),
        "fake": sum(1 for r in results if r.item.is_fake),
        "real": sum(1 for r in results if not r.item.is_fake),
        "scored": len(scored),
        "threshold": threshold,
        "auc": _round(roc_auc(labels, scores)),
        "auc_ci": bootstrap_auc(labels, scores),
        "tpr": _share(s >= threshold for s, y in zip(scores, labels, strict=True) if y),
        "fpr": _share(s >= threshold for s, y in zip(scores, labels, strict=True) if not y),
        "ece": _round(expected_calibration_error(labels, scores)),
        "per_kind": dict(sorted(per_kind.items())),
        "no_face": {"count": len(no_face), "files": no_face},
        "errors": [{"file": name(r.item), "error": r.error} for r in results if r.error],
    }
