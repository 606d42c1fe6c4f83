"""The disclosed rendition: burn a visible "AI-generated" notice into a clip (FFmpeg).

Plain Python (no ORM). The signing with the operator's certificate is
:func:`provenance.c2pa_io.sign_file`; the service in :mod:`provenance.services` ties both to
the decision that labelled the clip.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

NOTICE = "AI-generated"
# A dark band across the bottom sixth with the notice centred in it: readable on any picture.
BAND_SHARE = 6
NOTICE_FILTER = (
    f"drawbox=x=0:y=ih-ih/{BAND_SHARE}:w=iw:h=ih/{BAND_SHARE}:color=black@0.75:t=fill,"
    f"drawtext=text='{NOTICE}':fontcolor=white:fontsize=h/14:"
    f"x=(w-text_w)/2:y=h-h/{BAND_SHARE * 2}-text_h/2"
)
FFMPEG_TIMEOUT_S = 600


class RenditionError(RuntimeError):
    """FFmpeg could not produce the rendition."""


def burn_notice(source: str | Path, dest: str | Path) -> Path:
    """Write ``source`` re-encoded (H.264, audio kept as AAC) with the notice burned in."""
    command = [
        "ffmpeg", "-y", "-loglevel", "error", "-i", str(source),
        "-map", "0:v:0", "-map", "0:a?", "-vf", NOTICE_FILTER,
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-c:a", "aac",
        str(dest),
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=FFMPEG_TIMEOUT_S)  # noqa: S603
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise RenditionError(f"ffmpeg failed: {detail.decode(errors='replace')[-300:]}") from exc
    return Path(dest)
