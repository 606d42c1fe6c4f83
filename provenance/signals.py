"""Provenance's signals: a match with a banked known fake, and Content Credentials that
declare generative AI.

* **Known-fake match** (value: the best match's share of paired frames, 0-1): fires on an
  active match (not marked wrong, entry not quarantined) with a known-fake bank entry;
  supports **conclusive**, or **strong** when the clip is at least as close to an authentic
  reference (it may be the original the fake was made from). Not applicable while the clip
  has not been hashed yet.
* **Content Credentials declaring AI** (value 1 when the manifest declares generative AI,
  0 when it does not): fires on a declaration; supports **conclusive** when the manifest
  holds and its signer is trusted, **strong** when it holds but the signer is not on the
  trust list, **weak** when the manifest is broken (the declaration cannot be verified).
  Not applicable without a manifest — a missing manifest is never evidence of authenticity.
* **Metadata tags** (IPTC source type in XMP, generation parameters, a generator in container
  tags): see `provenance.metadata_signals`; each supports **strong** when it fires.

See `dashboard.signals` for the level rule these feed.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from dashboard.constants import DecisionAction
from dashboard.hooks import SignalProvider, signal_providers
from dashboard.models import Clip, Label
from dashboard.signals import Signal, SuspicionLevel
from provenance.metadata_signals import metadata_signals
from provenance.models import BankEntry, BankKind, ClipFingerprint, CredentialState
from provenance.services import active_matches, closer_to_reference, stored_credentials

MATCH = "known_fake_match"
CREDENTIALS = "content_credentials_ai"


def action_name(action: str) -> str:
    """A banked entry's decision ("label") in the reader's language; "imported" without one."""
    if not action:
        return _("imported")
    try:
        return str(DecisionAction(action).label).lower()
    except ValueError:
        return action


def _clock(seconds: float) -> str:
    minutes, rest = divmod(float(seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _banked(entry: BankEntry) -> str:
    """The banked decision in words, with label names (not slugs) and the original clip."""
    what = action_name(entry.decision_action)
    if entry.labels:
        names = {
            label.slug: label.display_name for label in Label.objects.filter(slug__in=entry.labels)
        }
        what += ": " + ", ".join(names.get(slug, slug) for slug in entry.labels)
    if entry.clip_id is not None:
        what += _("; original clip %(clip)s") % {"clip": entry.clip.short_id}
    return what


def known_fake_signal(clip: Clip) -> Signal:
    matches = active_matches(clip)
    fakes = [m for m in matches if m.entry.bank.kind == BankKind.KNOWN_FAKE]
    common = {
        "version": "pdq-frames 1",
        "title": _("Known-fake match"),
        "scale": "share of frames paired with the banked fake, 0-1",
    }
    if not fakes:
        if not ClipFingerprint.objects.filter(clip=clip).exists():
            return Signal(
                MATCH,
                sentence=_("Not compared with the banks yet."),
                not_applicable="not hashed yet",
                **common,
            )
        return Signal(
            MATCH, value=0.0, sentence=_("No banked known fake matches this clip."), **common
        )
    best = max(fakes, key=lambda m: (m.share, -m.best_distance))
    entry = best.entry
    what = _banked(entry)
    sentence = _(
        "Frames match known fake #%(entry)s in the bank “%(bank)s” (%(what)s): %(share)s of "
        "frames paired, closest %(distance)s bits of 256, at %(t)s (frame %(frame)s)."
    ) % {
        "entry": entry.pk,
        "bank": entry.bank.name,
        "what": what,
        "share": f"{best.share:.0%}",
        "distance": best.best_distance,
        "t": _clock(best.clip_time_s),
        "frame": best.clip_frame,
    }
    supports = SuspicionLevel.CONCLUSIVE
    if closer_to_reference(matches):
        supports = SuspicionLevel.STRONG
        sentence += " " + _(
            "It is at least as close to an authentic reference: it may be the original."
        )
    return Signal(
        MATCH,
        value=round(best.share, 3),
        fired=True,
        supports=supports,
        sentence=sentence,
        where=(
            {
                "t": best.clip_time_s,
                "frame": best.clip_frame,
                "label": _("%(t)s (frame %(frame)s)")
                % {"t": _clock(best.clip_time_s), "frame": best.clip_frame},
            },
        ),
        **common,
    )


_DECLARATION_LEVEL = {
    CredentialState.VALID: SuspicionLevel.CONCLUSIVE,
    CredentialState.UNTRUSTED: SuspicionLevel.STRONG,
    CredentialState.INVALID: SuspicionLevel.WEAK,
}


def credentials_signal(clip: Clip) -> Signal:
    record = stored_credentials(clip)
    common = {
        "version": "c2pa 1",
        "title": _("Content Credentials declaring AI"),
        "scale": "1 = the manifest declares generative AI, 0 = it does not",
    }
    if record is None:
        return Signal(
            CREDENTIALS,
            sentence=_("Content Credentials not read yet."),
            not_applicable="not read yet",
            **common,
        )
    if record.state == CredentialState.NONE:
        return Signal(
            CREDENTIALS,
            sentence=_("The file carries no Content Credentials; that says nothing either way."),
            not_applicable="no manifest",
            **common,
        )
    signer = record.signer_org or record.signer or _("an unnamed signer")
    holds = record.get_state_display().lower()
    if not record.ai_generated:
        return Signal(
            CREDENTIALS,
            value=0.0,
            sentence=_(
                "Content Credentials signed by %(signer)s (%(holds)s) do not declare generative AI."
            )
            % {"signer": signer, "holds": holds},
            **common,
        )
    tool = _(" by %(tool)s") % {"tool": record.claim_generator} if record.claim_generator else ""
    source = (
        _(" (source type “%(type)s”)") % {"type": record.source_type} if record.source_type else ""
    )
    return Signal(
        CREDENTIALS,
        value=1.0,
        fired=True,
        supports=_DECLARATION_LEVEL.get(record.state, SuspicionLevel.WEAK),
        sentence=_(
            "Content Credentials signed by %(signer)s (%(holds)s) declare the item made with "
            "generative AI%(tool)s%(source)s."
        )
        % {"signer": signer, "holds": holds, "tool": tool, "source": source},
        **common,
    )


def clip_signals(clip: Clip) -> list[Signal]:
    return [known_fake_signal(clip), credentials_signal(clip), *metadata_signals(clip)]


def register() -> None:
    signal_providers.register("provenance", SignalProvider("provenance", clip_signals))
