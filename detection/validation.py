"""How far to trust a detector model: its validation status, read from what was measured.

A model's `validation` (a JSON field on `DetectorModel`, from its manifest or recorded by
`manage.py evaluate_detector --record`) lists evaluations, each saying what data it was
measured on (`"synthetic"` or `"real"`), how many items, which kinds, and the figures:

    {"evaluations": [{"data": "real", "items": 412, "kinds": {"face_swap": 80, ...},
                      "figures": {"auc": 0.91, "auc_ci": [0.88, 0.94], ...},
                      "source": "...", "recorded_at": "..."}]}

The status follows from it:

* **not validated**: no evaluation recorded;
* **validated on synthetic data only**: every evaluation is on generated media (the
  baseline): its figures say nothing about real media;
* **validated on real data**: at least one evaluation on real labelled media. The model is
  *trusted on real data* when one such evaluation has at least `REAL_MIN_ITEMS` items and the
  lower end of its AUC interval reaches `REAL_MIN_AUC` — only then may its score weigh in
  priority or support a *strong* suspicion level.

Plain Python apart from Django's gettext (the summaries are in the reader's language): no
models, so the pipeline's tools and the desk read it alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _

REAL_MIN_ITEMS = 200
REAL_MIN_AUC = 0.8

DataKind = Literal["real", "synthetic", "none"]


@dataclass(frozen=True)
class ValidationStatus:
    data: DataKind
    summary: str
    trusted_on_real: bool = False

    @property
    def label(self) -> str:
        return {
            "real": _("validated on real data"),
            "synthetic": _("validated on synthetic data only"),
            "none": _("not validated"),
        }[self.data]


def _evaluations(validation: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    items = (validation or {}).get("evaluations") or []
    return [e for e in items if isinstance(e, Mapping)]


def _auc_low(figures: Mapping[str, Any]) -> float | None:
    interval = figures.get("auc_ci")
    if isinstance(interval, list | tuple) and len(interval) == 2 and interval[0] is not None:
        return float(interval[0])
    return None


def _describe(evaluation: Mapping[str, Any]) -> str:
    items = evaluation.get("items")
    unit = evaluation.get("unit") or _("items")
    kinds = evaluation.get("kinds") or {}
    figures = evaluation.get("figures") or {}
    parts = [
        _("%(n)s %(unit)s") % {"n": f"{items:,}", "unit": unit}
        if isinstance(items, int)
        else _("an unknown number of items")
    ]
    if kinds:
        parts.append(_("kinds: %(kinds)s") % {"kinds": ", ".join(str(k) for k in kinds)})
    auc = figures.get("auc")
    if auc is not None:
        low = _auc_low(figures)
        ci = f" [{low:.2f}, {float(figures['auc_ci'][1]):.2f}]" if low is not None else ""
        parts.append(f"AUC {float(auc):.2f}{ci}")
    return "; ".join(parts)


def is_trusted_evaluation(evaluation: Mapping[str, Any]) -> bool:
    """A real-data evaluation large and good enough to let the score count (see module doc)."""
    if evaluation.get("data") != "real":
        return False
    items = evaluation.get("items")
    low = _auc_low(evaluation.get("figures") or {})
    return (
        isinstance(items, int)
        and items >= REAL_MIN_ITEMS
        and low is not None
        and (low >= REAL_MIN_AUC)
    )


def validation_status(validation: Mapping[str, Any] | None) -> ValidationStatus:
    """The status of a model from its `validation` JSON (see the module docstring)."""
    evaluations = _evaluations(validation)
    real = [e for e in evaluations if e.get("data") == "real"]
    if real:
        latest = real[-1]
        trusted = any(is_trusted_evaluation(e) for e in real)
        if trusted:
            summary = _("Validated on real data: %(what)s.") % {"what": _describe(latest)}
        else:
            summary = _(
                "Validated on real data: %(what)s — too few items or too weak to weigh in priority."
            ) % {"what": _describe(latest)}
        return ValidationStatus("real", summary, trusted)
    if evaluations:
        return ValidationStatus(
            "synthetic",
            _(
                "Validated on synthetic data only: %(what)s. How it does on real media is "
                "unknown; treat its score as a weak hint."
            )
            % {"what": _describe(evaluations[-1])},
        )
    return ValidationStatus(
        "none", _("Not validated: no measurement is recorded; treat its score as a weak hint.")
    )


def with_evaluation(
    validation: Mapping[str, Any] | None, evaluation: Mapping[str, Any]
) -> dict[str, Any]:
    """`validation` with `evaluation` appended (earlier evaluations are kept)."""
    current = dict(validation or {})
    current["evaluations"] = [*_evaluations(validation), dict(evaluation)]
    return current
