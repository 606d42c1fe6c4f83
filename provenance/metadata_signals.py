"""Provenance's metadata signals: what a file's own tags declare about how it was made.

Read once after scoring with the Content Credentials (`services.do_read_metadata`, kept in
`ClipMetadata`); each is one `dashboard.signals.Signal` whose `detail` shows the raw field:

* **IPTC source type in XMP** (``xmp_digital_source_type``; value 1 when the XMP declares a
  generative source type, 0 when it declares another, such as ``digitalCapture``): fires on
  ``trainedAlgorithmicMedia``, ``compositeWithTrainedAlgorithmicMedia``, ``algorithmicMedia``
  or ``compositeSynthetic``. Not applicable when the file carries Content Credentials (their
  declaration is that signal's, and it can be verified) or no source type at all.
* **Generation parameters** (``generation_parameters``; value 1 when found): PNG text chunks
  that only generators write (A1111 ``parameters``, ComfyUI ``prompt``/``workflow``, ``Dream``,
  InvokeAI's keys), or EXIF/XMP text naming a generator. Photos only.
* **Generator in container tags** (``container_generator_tag``; value 1 when found): a
  video's container or stream tags naming a video generator. Videos only.

Each supports **strong** when it fires, never conclusive: the tags are unsigned, so anyone can
write them (into a real photo, to discredit it), and they carry no more weight than a manifest
whose signer is not on the trust list. A declaration is evidence of AI involvement only when
present: a file without these tags is *not applicable*, never evidence of authenticity (every
re-encode or screenshot strips them).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dashboard.models import Clip
from dashboard.signals import Signal, SuspicionLevel
from provenance.metadata_io import VERSION
from provenance.models import ClipCredentials, ClipMetadata, CredentialState

SOURCE_TYPE = "xmp_digital_source_type"
PARAMETERS = "generation_parameters"
CONTAINER = "container_generator_tag"
LEVEL = SuspicionLevel.STRONG


def _detail(findings: list[dict[str, Any]]) -> str:
    return "; ".join(f"{f['field']}: {f['raw']}" for f in findings)


def _scale() -> str:
    return _("1 = the file's metadata declares it, 0 = it does not")


def _not_read(name: str, title: str) -> Signal:
    return Signal(
        name,
        VERSION,
        title,
        _("Metadata tags not read yet."),
        scale=_scale(),
        not_applicable="not read yet",
    )


def source_type_signal(clip: Clip, record: ClipMetadata | None) -> Signal:
    title = _("IPTC source type in XMP")
    if record is None:
        return _not_read(SOURCE_TYPE, title)
    common = {"version": VERSION, "title": title, "scale": _scale()}
    found = record.of_kind("source_type")
    # Asked only when there is a source type to defer: one query fewer on most clips.
    if found and (
        ClipCredentials.objects.filter(clip=clip).exclude(state=CredentialState.NONE).exists()
    ):
        return Signal(
            SOURCE_TYPE,
            sentence=_(
                "The file carries Content Credentials: their declaration is the signal to read."
            ),
            not_applicable="content credentials present",
            detail=_detail(found),
            **common,
        )
    if not found:
        return Signal(
            SOURCE_TYPE,
            sentence=_("The file's XMP declares no source type; that says nothing either way."),
            not_applicable="no source type",
            **common,
        )
    first = found[0]
    if not first.get("declares_ai"):
        return Signal(
            SOURCE_TYPE,
            value=0.0,
            sentence=_(
                "The file's XMP declares the source type “%(term)s”, which is not generative; "
                "unsigned metadata is no evidence of authenticity."
            )
            % {"term": first["generator"]},
            detail=_detail(found),
            **common,
        )
    return Signal(
        SOURCE_TYPE,
        value=1.0,
        fired=True,
        supports=LEVEL,
        sentence=_(
            "The file's XMP declares the source type “%(term)s” (made with generative AI), "
            "without Content Credentials to sign it."
        )
        % {"term": first["generator"]},
        detail=_detail(found),
        **common,
    )


def _declared(
    name: str, title: str, kind: str, record: ClipMetadata | None, applies: bool, not_kind: str
) -> Signal:
    if record is None:
        return _not_read(name, title)
    common = {"version": VERSION, "title": title, "scale": _scale()}
    if not applies:
        return Signal(name, sentence=not_kind, not_applicable="other kind of media", **common)
    found = record.of_kind(kind)
    if not found:
        return Signal(
            name,
            sentence=_("No metadata tag names a generator; that says nothing either way."),
            not_applicable="no such tag",
            **common,
        )
    generators = ", ".join(dict.fromkeys(f["generator"] for f in found))
    fields = ", ".join(dict.fromkeys(f["field"] for f in found))
    return Signal(
        name,
        value=1.0,
        fired=True,
        supports=LEVEL,
        sentence=_(
            "The file's metadata names a generator (%(generators)s) in %(fields)s; the tags "
            "are unsigned, so anyone could have written them."
        )
        % {"generators": generators, "fields": fields},
        detail=_detail(found),
        **common,
    )


def metadata_signals(clip: Clip) -> list[Signal]:
    record = ClipMetadata.objects.filter(clip=clip).first()
    photo = clip.kind == "photo"
    return [
        source_type_signal(clip, record),
        _declared(
            PARAMETERS,
            _("Generation parameters"),
            "generation_parameters",
            record,
            photo,
            _("Generation parameters are read from photos only."),
        ),
        _declared(
            CONTAINER,
            _("Generator in container tags"),
            "container_tag",
            record,
            not photo,
            _("Container tags are read from videos only."),
        ),
    ]
