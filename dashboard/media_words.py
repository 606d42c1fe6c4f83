"""A clip's media described in words for people ("H.264 video, 1280×720, 30 s"): the review
panel and the evidence pack's statement of reasons say this, never FFmpeg's codec or demuxer
names ("h264", "mov,mp4,m4a,3gp,3g2,mj2")."""

from django.utils.translation import gettext as _

# FFmpeg's codec names (and the MP4 fourcc some probes report) as people know them.
CODEC_NAMES = {
    "h264": "H.264",
    "avc1": "H.264",
    "hevc": "H.265 (HEVC)",
    "h265": "H.265 (HEVC)",
    "hvc1": "H.265 (HEVC)",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "mpeg4": "MPEG-4 Part 2",
    "mpeg2video": "MPEG-2",
    "mjpeg": "Motion JPEG",
    "prores": "Apple ProRes",
    "theora": "Theora",
    "wmv3": "Windows Media Video 9",
}


def codec_name(codec: str) -> str:
    """ "h264" -> "H.264"; an unknown codec in capitals; blank when none was probed."""
    code = (codec or "").strip().lower()
    return CODEC_NAMES.get(code, code.upper())


def duration_words(seconds: float | None) -> str:
    """ "30 s", "2.5 s", "2 min 5 s"; blank when unknown."""
    if not seconds or seconds <= 0:
        return ""
    if seconds < 10 and round(seconds, 1) != round(seconds):
        return _("%(seconds)s s") % {"seconds": f"{seconds:.1f}"}
    whole = round(seconds)
    if whole < 60:
        return _("%(seconds)s s") % {"seconds": whole}
    minutes, rest = divmod(whole, 60)
    if not rest:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": rest}


def describe_media(
    codec: str, width: int, height: int, duration_s: float | None, *, has_audio: bool = False
) -> str:
    """One line about the media: "H.264 video, 1280×720, 30 s, with sound"."""
    name = codec_name(codec)
    parts = [_("%(codec)s video") % {"codec": name} if name else _("Video")]
    if width and height:
        parts.append(f"{width}×{height}")
    if duration := duration_words(duration_s):
        parts.append(duration)
    parts.append(_("with sound") if has_audio else _("no sound"))
    return ", ".join(parts)
