"""Provenance metadata: what a file's own tags declare about how it was made.

Plain Python (no ORM), on top of Pillow (photos) and PyAV (videos). Three kinds of
declaration are looked for, each a :class:`Finding` with the raw field it rests on:

* ``source_type``: an IPTC ``DigitalSourceType`` in the XMP packet (JPEG APP1, PNG iTXt
  ``XML:com.adobe.xmp``, WebP ``XMP`` chunk; Pillow hands all three over), e.g.
  ``http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia``;
* ``generation_parameters``: what image generators write into PNG text chunks (``parameters``
  from AUTOMATIC1111, ``prompt``/``workflow`` from ComfyUI, ``Dream``, ``sd-metadata``,
  ``invokeai_metadata``), or an EXIF ``ImageDescription``/``UserComment``/``Software``/
  ``Artist`` or XMP ``CreatorTool`` naming a generator (Midjourney, DALL·E, Stable Diffusion,
  Firefly...);
* ``container_tag``: a video's container or stream tags (``encoder``, ``comment``, ``title``,
  ``software``...) naming a video generator (Sora, Runway, Pika, Kling, AnimateDiff...).

Hostile metadata is read safely: the XMP packet is never handed to an XML parser (no DTD, no
entities, so no billion laughs or external entity): bounded regular expressions pick the one
property out, a packet over ``XMP_LIMIT`` bytes or one that declares a DTD is skipped with a
note, and every raw value kept is cut to ``RAW_LIMIT`` characters. Pillow bounds PNG text
chunks itself (``PngImagePlugin.MAX_TEXT_CHUNK``/``MAX_TEXT_MEMORY``).

Nothing found is never evidence of authenticity: tags are stripped by every re-encode.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import av
from PIL import Image, UnidentifiedImageError

VERSION = "metadata 1"
XMP_LIMIT = 1 << 20  # bytes: a real XMP packet is a few KB; APP1 itself caps JPEG at 64 KB
RAW_LIMIT = 300  # characters of a raw value kept and shown
TEXT_LIMIT = 1 << 16  # characters of one text field searched for a generator's name

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
# IPTC terms that declare generative or algorithmic creation (the C2PA reader's two, plus the
# purely algorithmic one and the older composite term).
AI_SOURCE_TYPES = frozenset(
    {
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicMedia",
        "compositeSynthetic",
    }
)

# A generator's name as tools write it; word-bounded so "Pikachu" or "runway lights" stay quiet.
GENERATORS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("Midjourney", r"\bmidjourney\b"),
        ("DALL·E", r"\bdall[^a-z0-9\s]{1,2}e\b|\bdall-?e[\s-]?[23]\b"),
        ("Stable Diffusion", r"\bstable[\s_-]?diffusion\b|\bsdxl\b"),
        ("Adobe Firefly", r"\bfirefly\b"),
        ("ComfyUI", r"\bcomfy[\s_-]?ui\b"),
        ("AUTOMATIC1111", r"\bautomatic1111\b|\bstable-diffusion-webui\b"),
        ("InvokeAI", r"\binvoke[\s_-]?ai\b"),
        ("NovelAI", r"\bnovel[\s_-]?ai\b"),
        ("Imagen", r"\bgoogle imagen\b|\bimagen [234]\b"),
        ("FLUX", r"\bflux\.1\b"),
        ("Ideogram", r"\bideogram\b"),
        ("Leonardo.Ai", r"\bleonardo\.ai\b"),
        ("Sora", r"\bsora\b"),
        ("Runway", r"\brunway(?:ml)?\b(?!\s+lights?)"),
        ("Pika", r"\bpika(?:\s?labs)?\b"),
        ("Kling", r"\bkling\b"),
        ("AnimateDiff", r"\banimate[\s_-]?diff\b"),
        ("Luma Dream Machine", r"\bdream machine\b|\bluma ai\b"),
        ("Hailuo", r"\bhailuo\b|\bminimax video\b"),
        ("Veo", r"\bgoogle veo\b|\bveo [23]\b"),
        ("Stable Video Diffusion", r"\bstable video diffusion\b"),
        ("Deforum", r"\bdeforum\b"),
    )
)

# PNG text keys that only generators write: the key itself is the declaration. The check says
# what the value must look like, so a stray "prompt" note does not fire.
_A1111 = re.compile(r"\b(?:Steps|Sampler|CFG scale|Seed|Model hash):", re.IGNORECASE)


def _json_object(value: str) -> bool:
    return value.lstrip().startswith("{")


PNG_KEYS: dict[str, Any] = {
    "parameters": lambda v: bool(_A1111.search(v[:TEXT_LIMIT])),
    "prompt": _json_object,  # ComfyUI: the node graph it ran
    "workflow": _json_object,  # ComfyUI: the editor's graph
    "dream": lambda v: bool(v.strip()),  # the "dream" script of lstein's SD fork
    "sd-metadata": lambda v: bool(v.strip()),  # InvokeAI 2
    "invokeai_metadata": lambda v: bool(v.strip()),
    "invokeai_graph": lambda v: bool(v.strip()),
}

# EXIF tags (id: name) whose text may name the tool that made the image.
EXIF_TEXT_TAGS = {270: "ImageDescription", 305: "Software", 315: "Artist"}
EXIF_IFD = 0x8769
USER_COMMENT = 37510

# Container and stream tags a tool writes its name into.
VIDEO_TAGS = (
    "encoder",
    "encoded_by",
    "comment",
    "description",
    "title",
    "software",
    "artist",
    "handler_name",
    "com.apple.quicktime.software",
)

_XMP_KEYS = ("XML:com.adobe.xmp", "xmp")
_XMP_START = re.compile(rb"<x:xmpmeta\b", re.IGNORECASE)
_XMP_END = re.compile(rb"</x:xmpmeta\s*>", re.IGNORECASE)
_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_SOURCE_TYPE = re.compile(
    r"DigitalSourceType\s*=\s*[\"']([^\"'<>]{1,400})[\"']"  # attribute form
    r"|DigitalSourceType[^>]{0,200}?rdf:resource\s*=\s*[\"']([^\"'<>]{1,400})[\"']"  # resource
    r"|DigitalSourceType(?:\s[^>]{0,200})?>\s*([^<]{1,400}?)\s*</",  # element form
)
_CREATOR_TOOL = re.compile(
    r"CreatorTool\s*=\s*[\"']([^\"'<>]{1,400})[\"']|CreatorTool>\s*([^<]{1,400}?)\s*</"
)


@dataclass(frozen=True)
class Finding:
    """One declaration found in a file's metadata, with the raw field it rests on."""

    kind: str  # source_type | generation_parameters | container_tag
    field: str  # where: "XMP Iptc4xmpExt:DigitalSourceType", "PNG text 'parameters'"...
    raw: str  # the value as written, cut to RAW_LIMIT characters
    generator: str = ""  # the generator named, or the IPTC term for a source type
    declares_ai: bool = True  # False: a source type that is not generative (digitalCapture)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Metadata:
    """What a file's metadata declares; `notes` say what was skipped and why."""

    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    fields_read: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.as_dict() for f in self.findings],
            "notes": list(self.notes),
            "fields_read": list(self.fields_read),
        }


def _raw(value: str) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= RAW_LIMIT else value[: RAW_LIMIT - 1] + "…"


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        # EXIF UserComment starts with an 8-byte character code ("ASCII\0\0\0", "UNICODE\0").
        if value[:8] in (b"ASCII\x00\x00\x00", b"UNICODE\x00", b"\x00" * 8):
            code, value = value[:8], value[8:]
            if code == b"UNICODE\x00":
                return value[: TEXT_LIMIT * 2].decode("utf-16", "replace")
        return value[:TEXT_LIMIT].decode("utf-8", "replace")
    return str(value)[:TEXT_LIMIT]


def generator_named(text: str) -> str:
    """The first known generator whose name appears in `text`, or ""."""
    text = text[:TEXT_LIMIT]
    for name, pattern in GENERATORS:
        if pattern.search(text):
            return name
    return ""


def xmp_packet(data: bytes | str) -> tuple[str, str]:
    """The `<x:xmpmeta>` packet in `data` (bounded), and a note when it was skipped."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    start = _XMP_START.search(data, 0, XMP_LIMIT + 64)
    if start is None:
        return "", ""
    end = _XMP_END.search(data, start.start(), start.start() + XMP_LIMIT)
    if end is None:
        note = "XMP packet unterminated" if len(data) - start.start() <= XMP_LIMIT else ""
        return "", note or f"XMP packet larger than {XMP_LIMIT} bytes: skipped"
    packet = data[start.start() : end.end()].decode("utf-8", "replace")
    if _DTD.search(packet):
        return "", "XMP packet declares a DTD or entities: skipped"
    return packet, ""


def xmp_findings(packet: str) -> list[Finding]:
    """The IPTC digital source type and a CreatorTool naming a generator, from an XMP packet."""
    found: list[Finding] = []
    match = _SOURCE_TYPE.search(packet)
    if match:
        value = next(g for g in match.groups() if g).strip()
        term = value.rsplit("/", 1)[-1]
        found.append(
            Finding(
                "source_type",
                "XMP Iptc4xmpExt:DigitalSourceType",
                _raw(value),
                term,
                declares_ai=term in AI_SOURCE_TYPES,
            )
        )
    match = _CREATOR_TOOL.search(packet)
    if match:
        value = next(g for g in match.groups() if g).strip()
        name = generator_named(value)
        if name:
            found.append(Finding("generation_parameters", "XMP xmp:CreatorTool", _raw(value), name))
    return found


def _png_text(info: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key, value in info.items():
        if isinstance(key, str) and isinstance(value, str | bytes) and key not in _XMP_KEYS:
            yield key, _text(value)


def _image_findings(img: Image.Image) -> tuple[list[Finding], list[str], list[str]]:
    findings: list[Finding] = []
    notes: list[str] = []
    read: list[str] = []
    info = dict(img.info)
    xmp = info.get("xmp") or info.get("XML:com.adobe.xmp")
    if xmp:
        read.append("XMP")
        packet, note = xmp_packet(xmp)
        if note:
            notes.append(note)
        findings.extend(xmp_findings(packet))
    if img.format == "PNG":
        for key, value in _png_text(info):
            read.append(f"PNG text '{key}'")
            check = PNG_KEYS.get(key.lower())
            if check is not None and check(value):
                generator = generator_named(value) or {
                    "parameters": "AUTOMATIC1111",
                    "prompt": "ComfyUI",
                    "workflow": "ComfyUI",
                    "sd-metadata": "InvokeAI",
                    "invokeai_metadata": "InvokeAI",
                    "invokeai_graph": "InvokeAI",
                }.get(key.lower(), "Stable Diffusion")
                findings.append(
                    Finding("generation_parameters", f"PNG text '{key}'", _raw(value), generator)
                )
            elif name := generator_named(value):
                findings.append(
                    Finding("generation_parameters", f"PNG text '{key}'", _raw(value), name)
                )
    try:
        exif = img.getexif()
    except Exception:  # a broken EXIF block is no declaration; Pillow raises many kinds
        notes.append("EXIF unreadable: skipped")
        return findings, notes, read
    texts: list[tuple[str, Any]] = [
        (name, exif.get(tag)) for tag, name in EXIF_TEXT_TAGS.items() if exif.get(tag)
    ]
    try:
        comment = exif.get_ifd(EXIF_IFD).get(USER_COMMENT)
    except Exception:
        comment = None
    if comment:
        texts.append(("UserComment", comment))
    for name, value in texts:
        read.append(f"EXIF {name}")
        text = _text(value)
        generator = generator_named(text)
        if generator or (name == "UserComment" and _A1111.search(text)):
            findings.append(
                Finding(
                    "generation_parameters",
                    f"EXIF {name}",
                    _raw(text),
                    generator or "Stable Diffusion",
                )
            )
    return findings, notes, read


def _tags(where: str, tags: dict[str, str]) -> Iterator[tuple[str, str]]:
    for key in VIDEO_TAGS:
        for actual, value in tags.items():
            if actual.lower() == key and value:
                yield f"{where} {actual}", _text(value)


def _video_findings(path: Path) -> tuple[list[Finding], list[str], list[str]]:
    findings: list[Finding] = []
    read: list[str] = []
    with av.open(str(path)) as container:
        sources: list[Iterable[tuple[str, str]]] = [_tags("container", dict(container.metadata))]
        for stream in container.streams:
            sources.append(_tags(f"stream {stream.index}", dict(stream.metadata)))
        for source in sources:
            for where, value in source:
                read.append(where)
                name = generator_named(value)
                if name:
                    findings.append(Finding("container_tag", where, _raw(value), name))
    return findings, [], read


def read_metadata(path: Path | str, kind: str = "") -> Metadata:
    """What the file at `path` declares in its metadata. `kind` is the clip's ("photo" reads
    the image's tags; anything else the container's); an unreadable file declares nothing."""
    path = Path(path)
    try:
        if kind == "photo":
            with Image.open(path) as img:
                findings, notes, read = _image_findings(img)
        else:
            findings, notes, read = _video_findings(path)
    except (OSError, UnidentifiedImageError, av.FFmpegError, ValueError) as exc:
        return Metadata(notes=(f"metadata unreadable: {type(exc).__name__}",))
    return Metadata(tuple(findings), tuple(notes), tuple(dict.fromkeys(read)))
