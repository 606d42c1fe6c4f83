"""Turning an uploader's filename into something safe to store and show."""

import unicodedata

MAX_FILENAME_LENGTH = 200


def sanitize_filename(raw: str | None) -> str:
    """Keep a readable name for display: no directories, controls, bidi overrides or overlength.

    The stored file never uses this name; it is kept only to show the moderator what was sent.
    """
    name = unicodedata.normalize("NFC", raw or "")
    # Last path component, whichever separator the client used.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Drop control (Cc) and format (Cf: RTL/LTR overrides, zero-width joiners) characters.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf"})
    name = name.strip().strip(".").strip()
    while ".." in name:
        name = name.replace("..", ".")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_FILENAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name or "upload"
