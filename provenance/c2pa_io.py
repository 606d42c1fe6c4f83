"""Content Credentials (C2PA): reading a clip's manifest, and signing a disclosed rendition.

Plain Python (no ORM), on top of ``c2pa-python`` (which works offline: no trust list or
timestamp authority is fetched). What the desk needs from a manifest is summarised in
:class:`Credentials`:

* who signed (the certificate's common name and organisation) and when (the signature's
  time, present only when a timestamp authority countersigned);
* the claim generator (the tool that wrote the manifest);
* whether the content is declared AI-generated: an action whose IPTC digital source type is
  ``trainedAlgorithmicMedia`` or ``compositeWithTrainedAlgorithmicMedia``;
* the validation state: ``valid`` (intact and signed by a certificate under one of our trust
  anchors), ``untrusted`` (intact, but the signer is not on our trust list) or ``invalid``
  (the content or manifest was altered, or the signature doesn't verify).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import c2pa

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")
UNTRUSTED_CODE = "signingCredential.untrusted"
DECISION_ASSERTION = "org.unmask.decision"
VALID, UNTRUSTED, INVALID = "valid", "untrusted", "invalid"


@dataclass(frozen=True)
class Credentials:
    """A summary of the active manifest of a file."""

    state: str  # valid, untrusted, invalid
    signer: str
    signer_org: str
    signed_at: str | None
    claim_generator: str
    source_type: str  # IPTC digital source type term (last path segment), or ""
    failures: tuple[str, ...] = ()
    decision: dict[str, Any] = field(default_factory=dict)

    @property
    def ai_generated(self) -> bool:
        return self.source_type in AI_SOURCE_TYPES


def _context(trust_anchors_pem: str | None) -> c2pa.Context | None:
    if not trust_anchors_pem:
        return None
    return c2pa.Context.from_dict({"trust": {"trust_anchors": trust_anchors_pem}})


def _generator(manifest: dict[str, Any]) -> str:
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info[0], dict):
        name = str(info[0].get("name", ""))
        version = str(info[0].get("version", "") or "")
        return f"{name} {version}".strip()
    return str(manifest.get("claim_generator", ""))


def _source_type(manifest: dict[str, Any]) -> str:
    for assertion in manifest.get("assertions") or []:
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            source = str(action.get("digitalSourceType") or "")
            if source:
                return source.rsplit("/", 1)[-1]
    return ""


def _assertion(manifest: dict[str, Any], label: str) -> dict[str, Any]:
    for assertion in manifest.get("assertions") or []:
        if assertion.get("label") == label:
            return dict(assertion.get("data") or {})
    return {}


def read_credentials(path: str | Path, trust_anchors_pem: str | None = None) -> Credentials | None:
    """Summarise the file's active C2PA manifest; None when it carries none.

    A manifest that cannot even be parsed counts as ``invalid`` rather than absent: someone
    put credentials there and they don't hold.
    """
    try:
        with open(path, "rb") as stream:
            reader = c2pa.Reader.try_create(
                _mime(path), stream, None, context=_context(trust_anchors_pem)
            )
            if reader is None:
                return None
            with reader:
                manifest = reader.get_active_manifest() or {}
                state = reader.get_validation_state() or ""
                results = reader.get_validation_results() or {}
    except c2pa.C2paError as exc:
        return Credentials(INVALID, "", "", None, "", "", failures=(str(exc)[:200],))
    failures = tuple(
        str(item.get("code", ""))
        for item in (results.get("activeManifest") or {}).get("failure") or []
    )
    # c2pa reports an unknown signer as "Invalid" too; we keep that apart from tampering.
    if [code for code in failures if code != UNTRUSTED_CODE] or (
        state.lower() == "invalid" and not failures
    ):
        verdict = INVALID
    elif state.lower() == "trusted":
        verdict = VALID
    else:
        verdict = UNTRUSTED
    signature = manifest.get("signature_info") or {}
    return Credentials(
        state=verdict,
        signer=str(signature.get("common_name", "")),
        signer_org=str(signature.get("issuer", "")),
        signed_at=signature.get("time"),
        claim_generator=_generator(manifest),
        source_type=_source_type(manifest),
        failures=failures,
        decision=_assertion(manifest, DECISION_ASSERTION),
    )


def _mime(path: str | Path) -> str:
    """The format c2pa must parse the file as: by its extension, which ingest sniffed from
    the content. Photos are C2PA's most common carrier (JPEG APP11, PNG caBX, WebP chunks)."""
    suffix = Path(path).suffix.lower()
    return {
        ".mp4": "video/mp4",
        ".m4v": "video/mp4",
        ".mov": "video/quicktime",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".png": "image/png",
        ".webp": "image/webp",
        ".gif": "image/gif",
        ".heic": "image/heic",
    }.get(suffix, "video/mp4")


def sign_file(
    source: str | Path,
    dest: str | Path,
    *,
    cert_chain_pem: bytes,
    private_key_pem: bytes,
    generator: str,
    source_type: str = "trainedAlgorithmicMedia",
    title: str = "",
    extra_assertions: list[dict[str, Any]] | None = None,
) -> None:
    """Write ``source`` to ``dest`` with a C2PA manifest signed by the given ES256 key.

    The manifest declares the IPTC ``source_type`` on a ``c2pa.created`` action and carries
    ``extra_assertions`` (e.g. the decision that labelled the clip). No timestamp authority is
    used: signing stays offline.
    """
    manifest = {
        "claim_generator_info": [{"name": generator, "version": "1"}],
        "title": title or Path(dest).name,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [{"action": "c2pa.created", "digitalSourceType": IPTC + source_type}]
                },
            },
            *(extra_assertions or []),
        ],
    }
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, cert_chain_pem, private_key_pem, None)
    with (
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(json.dumps(manifest)) as builder,
        open(source, "rb") as src,
        open(dest, "w+b") as out,
    ):
        builder.sign(signer, _mime(source), src, out)
