"""How the desk shows media: clip bytes with HTTP Range support, face-crop JPEGs, and the
moderator's wellness preference (media blurred and desaturated until revealed).

Clip files are read through Django's storage (`clip.file.open("rb")`), never from a public URL
or a filesystem path, so the media view's permission check is the only way in. Ranges follow
RFC 9110: one byte range gives 206 with Content-Range, an unsatisfiable or malformed byte range
gives 416 with `Content-Range: bytes */size`; a multi-range or non-byte request gets the whole
file (a server may ignore Range).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models.fields.files import FieldFile
from django.http import HttpResponse, StreamingHttpResponse

from dashboard.http import media_erased_response
from dashboard.models import Clip, DeskPreference
from detection.models import FaceCrop

CHUNK_BYTES = 64 * 1024
_BYTE_RANGE = re.compile(r"(\d*)\s*-\s*(\d*)")
CONTENT_TYPES = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
}


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


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def clip_media_response(
    clip: Clip, range_header: str | None, if_range: str | None = None
) -> HttpResponse:
    """The clip's bytes: 200 whole, 206 for one range, 416 for a range it cannot satisfy."""
    if clip.media_erased_at is not None or not clip.file:
        return media_erased_response(clip)
    size = clip.file.size
    etag = f'"{clip.sha256}"'
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
        _read(clip.file, start, length),
        status=206 if byte_range else 200,
        content_type=content_type_for(clip.file.name),
    )
    if byte_range:
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Content-Disposition"] = "inline"
    # Moderators' browsers may keep it for seeking; shared caches must not.
    response["Cache-Control"] = "private, max-age=600"
    return response


def crop_response(crop: FaceCrop) -> HttpResponse:
    response = HttpResponse(bytes(crop.jpeg), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def blur_media_for(user: AbstractBaseUser) -> bool:
    """Whether `user` sees media blurred at first (the default until they choose otherwise)."""
    preference = DeskPreference.objects.filter(user=user).only("blur_media").first()
    return True if preference is None else preference.blur_media


def set_blur_media(user: AbstractBaseUser, blurred: bool) -> DeskPreference:
    preference, _ = DeskPreference.objects.update_or_create(
        user=user, defaults={"blur_media": blurred}
    )
    return preference
