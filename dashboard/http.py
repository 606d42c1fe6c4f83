"""HTTP answers for media that every app's pages share: a clip's file and its review rendition
with single byte ranges, a stored file by its sniffed type (the rendition's poster and contact
sheet too), and the 410 for media erased under retention.

Every answer names its content type from the stored file's sniffed extension
(`dashboard.mediatypes`), with `X-Content-Type-Options: nosniff`, a Content-Disposition with a
safe filename (inline only for video and images) and a sandbox CSP, so no uploaded byte is ever
rendered as a page of our origin.

Clip files are read through Django's storage (`clip.file.open("rb")`), never from a public URL
or a filesystem path, so the media view's permission check is the only way in. Ranges follow
RFC 9110: one byte range gives 206 with Content-Range, an unsatisfiable or malformed byte range
gives 416 with `Content-Range: bytes */size`; a multi-range or non-byte request gets the whole
file (a server may ignore Range).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from dashboard.mediatypes import media_headers
from dashboard.models import Clip, ReviewRendition

CHUNK_BYTES = 64 * 1024
_BYTE_RANGE = re.compile(r"(\d*)\s*-\s*(\d*)")


class RangeNotSatisfiable(Exception):
    """The Range header asks for bytes the file does not have, or cannot be parsed."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range asked for, or None to send the whole file."""
    if not header:
        return None
    header = header.strip()
    if not header.lower().startswith("bytes="):
        return None
    spec = header[len("bytes=") :].strip()
    if "," in spec:
        return None
    match = _BYTE_RANGE.fullmatch(spec)
    if match is None or (not match[1] and not match[2]):
        raise RangeNotSatisfiable(header)
    if not match[1]:
        suffix = int(match[2])
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(match[1])
    end = int(match[2]) if match[2] else size - 1
    if start > end or start >= size:
        raise RangeNotSatisfiable(header)
    return ByteRange(start, min(end, size - 1))


def _read(field_file: FieldFile, start: int, length: int) -> Iterator[bytes]:
    with field_file.open("rb") as fh:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            chunk = fh.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def apply_headers(response: HttpResponse, headers: dict[str, str]) -> HttpResponse:
    for name, value in headers.items():
        response[name] = value
    return response


def clip_media_response(
    clip: Clip, range_header: str | None, if_range: str | None = None
) -> HttpResponse:
    """The clip's bytes: 200 whole, 206 for one range, 416 for a range it cannot satisfy."""
    if clip.media_erased_at is not None or not clip.file:
        return media_erased_response(clip)
    try:
        size = clip.file.size
    except (FileNotFoundError, ValueError) as exc:  # erased, or never stored
        raise Http404(_("This clip's media is not available.")) from exc
    return ranged_file_response(
        clip.file, size, clip.sha256, f"clip-{clip.public_id.hex[:12]}", range_header, if_range
    )


def rendition_media_response(
    clip: Clip, rendition: ReviewRendition, range_header: str | None, if_range: str | None = None
) -> HttpResponse:
    """The clip's review rendition, answered exactly as the clip's own bytes are."""
    if clip.media_erased_at is not None:
        return media_erased_response(clip)
    if not rendition.file:
        raise Http404(_("This clip has no review rendition."))
    try:
        size = rendition.file.size
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("This clip's review rendition is not available.")) from exc
    stem = f"clip-{clip.public_id.hex[:12]}-review"
    return ranged_file_response(
        rendition.file, size, rendition.sha256, stem, range_header, if_range
    )


def ranged_file_response(
    field_file: FieldFile,
    size: int,
    sha256: str,
    stem: str,
    range_header: str | None,
    if_range: str | None = None,
) -> HttpResponse:
    """A stored video: 200 whole, 206 for one range, 416 for a range it cannot satisfy."""
    etag = f'"{sha256}"'
    if if_range and if_range.strip() != etag:
        range_header = None  # the client's copy is another file: send this one whole
    try:
        byte_range = parse_range(range_header, size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, length = (byte_range.start, byte_range.length) if byte_range else (0, size)
    response = StreamingHttpResponse(
        _read(field_file, start, length), status=206 if byte_range else 200
    )
    apply_headers(response, media_headers(field_file.name, stem, inline=True))
    if byte_range:
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    # Moderators' browsers may keep it for seeking; shared caches must not.
    response["Cache-Control"] = "private, max-age=600"
    return response


def rendition_still_response(clip: Clip, field_file: FieldFile, stem: str) -> HttpResponse:
    """The rendition's poster or contact sheet (a JPEG we encoded), or 410 once erased."""
    if clip.media_erased_at is not None:
        return media_erased_response(clip)
    if not field_file:
        raise Http404(_("This picture is not available."))
    response = stored_file_response(field_file, stem, inline=True)
    response["Cache-Control"] = "private, max-age=600"
    return response


def stored_file_response(field_file: FieldFile, stem: str, *, inline: bool) -> FileResponse:
    """A stored file served as its sniffed type (see module docstring); 404 when it is gone."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("This file is not available.")) from exc
    response = FileResponse(handle)
    return apply_headers(response, media_headers(field_file.name, stem, inline=inline))


def media_erased_response(clip: Clip) -> HttpResponse:
    """410 Gone with the sentence the desk shows: the media was erased on purpose, and when."""
    response = HttpResponse(clip.erasure_notice, status=410, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
