"""Evidence signals about a clip, and the suspicion level the desk derives from them.

A **signal** is one piece of evidence an app contributes through
`dashboard.hooks.signal_providers`: a name and version, a value on a documented scale (or *not
applicable*, with the reason), one plain sentence for the moderator saying what was observed
and where (times, frames), what it cost to compute, and the suspicion level it supports when
it fires. The core knows no detector or bank: it gathers what the apps say and applies one
rule.

**Suspicion level** (never a probability: no signal here is calibrated on real media):

    conclusive  a signal that settles it fired: a match with a banked known fake
                (provenance; not marked wrong, entry not quarantined, and the clip not as
                close to an authentic reference), or Content Credentials that hold (valid
                signature) declaring the item made by generative AI
    strong      strong evidence fired: a face-manipulation model trusted on real data
                (detection.validation) above its threshold; a known-fake match that is as
                close to an authentic reference; a manifest declaring generative AI whose
                signer is not on the trust list; the file's own (unsigned) metadata declaring a
                generator: an IPTC source type, generation parameters, container tags
    weak        only a hint fired: a face-manipulation model validated on synthetic data only
                (or not at all) above its threshold
    none        nothing fired; a model that abstained (no face) or scored below its
                threshold says nothing either way

The level is the strongest level among the signals that fired; signals do not add up (two
weak hints stay weak: nothing measures how independent they are). Each provider decides which
level its signal supports by the table above; `tests/dashboard/test_signals.py` holds the
rule to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dashboard.hooks import signal_providers

if TYPE_CHECKING:
    from dashboard.models import Clip


class SuspicionLevel(IntEnum):
    NONE = 0
    WEAK = 1
    STRONG = 2
    CONCLUSIVE = 3

    @property
    def label(self) -> str:
        return self.name.lower()


# The levels as API choices (one enum in the OpenAPI schema: ENUM_NAME_OVERRIDES).
SUSPICION_LEVEL_CHOICES = [(level.label, level.label.capitalize()) for level in SuspicionLevel]


@dataclass(frozen=True)
class Signal:
    """One piece of evidence about a clip, as a provider reports it.

    `value` is a number on `scale`, or None when the signal is not applicable
    (`not_applicable` says why). `where` lists the moments it rests on, each
    `{"t": seconds, "frame": index, "label": text}`, for seek buttons. `cost_ms` is what
    producing it cost (None when not measured). `detail` and `link` qualify it (a model's
    validation status and its model card).
    """

    name: str
    version: str
    title: str
    sentence: str
    value: float | None = None
    scale: str = ""
    fired: bool = False
    supports: SuspicionLevel = SuspicionLevel.NONE
    not_applicable: str = ""
    where: tuple[dict[str, Any], ...] = ()
    cost_ms: float | None = None
    detail: str = ""
    link: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def applicable(self) -> bool:
        return self.value is not None or not self.not_applicable

    @property
    def level(self) -> SuspicionLevel:
        """The level this signal gives the clip: what it supports if it fired, else none."""
        return self.supports if self.fired else SuspicionLevel.NONE

    def as_dict(self) -> dict[str, Any]:
        """The signal as the API and a decision's evidence keep it."""
        return {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "value": self.value,
            "scale": self.scale,
            "applicable": self.applicable,
            "not_applicable_reason": self.not_applicable,
            "fired": self.fired,
            "supports": self.supports.label,
            "sentence": self.sentence,
            "where": list(self.where),
            "cost_ms": self.cost_ms,
            "detail": self.detail,
        }


def gather_signals(clip: Clip) -> list[Signal]:
    """Every app's signals about `clip`, strongest first: fired ones by the level they
    support, then the rest (not fired, not applicable) in registration order."""
    signals = [signal for provider in signal_providers for signal in provider.signals(clip)]
    return sorted(signals, key=lambda s: (-int(s.level), not s.applicable))


def suspicion_level(signals: list[Signal]) -> SuspicionLevel:
    """The clip's suspicion level: the strongest level among the signals that fired."""
    return max((s.level for s in signals), default=SuspicionLevel.NONE)


LEVEL_SENTENCES = {
    SuspicionLevel.NONE: _("No signal fired."),
    SuspicionLevel.WEAK: _("Only a weak hint fired: look for yourself before acting on it."),
    SuspicionLevel.STRONG: _("Strong evidence fired."),
    SuspicionLevel.CONCLUSIVE: _("Conclusive evidence fired."),
}
# The levels as the desk names them in the reader's language (`label` stays the API's code).
LEVEL_NAMES = {
    SuspicionLevel.NONE: pgettext_lazy("suspicion level", "none"),
    SuspicionLevel.WEAK: pgettext_lazy("suspicion level", "weak"),
    SuspicionLevel.STRONG: pgettext_lazy("suspicion level", "strong"),
    SuspicionLevel.CONCLUSIVE: pgettext_lazy("suspicion level", "conclusive"),
}
