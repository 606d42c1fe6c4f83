"""Which stored media the desk serves, as what, and how: content types and dispositions.

Every stored file's extension comes from sniffing its content (``detection.probe``), never from
the uploader's name, and is served with the content type listed here. Anything else (a legacy
file stored under its uploader's extension, say ``.html``) is served as an opaque download:
``application/octet-stream``, ``attachment``. Plain Python, no Django, so the probe can use it.
"""

import re

OPAQUE = "application/octet-stream"
CONTENT_TYPES = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
    "ts": "video/mp2t",
    "flv": "video/x-flv",
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "heic": "image/heic",
    "zip": "application/zip",
}
# What a browser may show in the page (the player, an <img>); everything else downloads.
INLINE_TYPES = frozenset(t for t in CONTENT_TYPES.values() if t.startswith(("video/", "image/")))
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def extension_of(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def content_type_for(name: str) -> str:
    """The content type of a stored file, by its (sniffed) extension; opaque if unknown."""
    return CONTENT_TYPES.get(extension_of(name), OPAQUE)


def safe_download_name(stem: str, name: str) -> str:
    """``stem.ext`` in plain ASCII, the extension the stored name's (sniffed) one."""
    stem = _UNSAFE_IN_FILENAME.sub("-", stem).strip(".-")[:100] or "media"
    extension = extension_of(name)
    return f"{stem}.{extension}" if extension in CONTENT_TYPES else f"{stem}.bin"


def media_headers(name: str, stem: str, *, inline: bool) -> dict[str, str]:
    """Content-Type, nosniff and Content-Disposition for serving the stored file ``name``.

    ``inline`` is honoured only for video and image types; the rest is always an attachment.
    A sandbox CSP keeps even a mislabelled file from running script on our origin.
    """
    content_type = content_type_for(name)
    disposition = "inline" if inline and content_type in INLINE_TYPES else "attachment"
    return {
        "Content-Type": content_type,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'{disposition}; filename="{safe_download_name(stem, name)}"',
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
