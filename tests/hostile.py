"""Builders of hostile and malformed uploads: everything an attacker or a broken client sends."""

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def text(path: Path) -> Path:
    path.write_text("This is not a video, just words.\n" * 50)
    return path


def html(path: Path) -> Path:
    path.write_text("<!doctype html><html><body><script>alert(1)</script></body></html>\n")
    return path


def random_bytes(path: Path, size: int = 64 * 1024, seed: int = 7) -> Path:
    path.write_bytes(np.random.default_rng(seed).bytes(size))
    return path


def png(path: Path) -> Path:
    ok, buf = cv2.imencode(".png", np.full((64, 64, 3), 128, np.uint8))
    assert ok
    path.write_bytes(buf.tobytes())
    return path


def jpeg_bomb(path: Path, side: int = 65_000) -> Path:
    """A few-hundred-byte JPEG whose header declares ``side`` × ``side`` pixels (a
    decompression bomb: 4.2 gigapixels, 12.7 GB decoded, at the default)."""
    ok, buf = cv2.imencode(".jpg", np.full((16, 16, 3), 128, np.uint8))
    assert ok
    data = bytearray(buf.tobytes())
    sof = data.find(b"\xff\xc0")  # baseline frame header: length, precision, height, width
    assert sof > 0
    data[sof + 5 : sof + 9] = side.to_bytes(2, "big") + side.to_bytes(2, "big")
    path.write_bytes(bytes(data))
    return path


def gif_with_frames(path: Path, frames: int, side: int = 32) -> Path:
    """An animated GIF of ``frames`` tiny frames (a frame-count bomb past the limit)."""
    pictures = [Image.new("RGB", (side, side), (i % 256, 0, 255 - i % 256)) for i in range(frames)]
    pictures[0].save(path, format="GIF", save_all=True, append_images=pictures[1:], duration=40)
    return path


def animated_gif(path: Path) -> Path:
    with av.open(str(path), "w", format="gif") as container:
        stream = container.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "rgb8"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 20, np.uint8), "rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def audio_only_mp4(path: Path, seconds: float = 1.0) -> Path:
    rate = 44100
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        samples = int(rate * seconds)
        chunk = 1024
        t = 0
        while t < samples:
            n = min(chunk, samples - t)
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(t, t + n) / rate)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="fltp", layout="mono")
            frame.sample_rate = rate
            frame.pts = t
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
            t += n
        for packet in stream.encode():
            container.mux(packet)
    return path


def video(
    path: Path,
    *,
    width: int = 64,
    height: int = 48,
    frames: int = 25,
    fps: int = 25,
    codec: str = "mpeg4",
    container_format: str = "mp4",
) -> Path:
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            image = np.full((height, width, 3), (i * 9) % 255, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, "rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def truncated(source: Path, path: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def large_file(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        fh.write(b"\x00\x00\x00\x18ftypmp42")
        fh.truncate(size)
    return path


def _h264(
    path: Path,
    width: int,
    height: int,
    frames: int,
    fps: int,
    container_format: str,
    first_frame: int = 0,
) -> Path:
    """An H.264 encode of flat frames whose shade changes per frame (ultrafast: cheap); its
    timestamps start at frame `first_frame`."""
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(frames):
            image = np.full((height, width, 3), (i * 9) % 255, np.uint8)
            frame = av.VideoFrame.from_ndarray(image, "rgb24")
            frame.pts, frame.time_base = first_frame + i, Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def spliced_ts(
    path: Path, *, segments: int, seconds: float = 1.0, width: int = 64, height: int = 48
) -> Path:
    """`segments` copies of one `seconds`-long MPEG-TS, byte for byte: every copy restarts the
    clock, so the file is stamped `seconds` long while it plays segments × seconds."""
    fps = 30
    one = _h264(path.with_suffix(".one.ts"), width, height, round(seconds * fps), fps, "mpegts")
    path.write_bytes(one.read_bytes() * segments)
    one.unlink()
    return path


def resolution_switch_ts(
    path: Path,
    *,
    first: tuple[int, int] = (320, 240),
    then: tuple[int, int] = (7680, 4320),
    first_frames: int = 30,
    then_frames: int = 2,
) -> Path:
    """Two H.264 encodes of different sizes concatenated in MPEG-TS, timestamps continuing
    from one to the other: the header (the first codec context) says `first`; from the first
    keyframe of the second part it is `then`."""
    head = _h264(path.with_suffix(".a.ts"), *first, first_frames, 30, "mpegts")
    tail = _h264(path.with_suffix(".b.ts"), *then, then_frames, 30, "mpegts", first_frames)
    path.write_bytes(head.read_bytes() + tail.read_bytes())
    head.unlink()
    tail.unlink()
    return path


def mp4_lying_duration(path: Path, *, seconds: int, claimed_s: int = 1) -> Path:
    """An MP4 holding `seconds` of 32×32 video whose headers (mvhd, tkhd, mdhd) claim
    `claimed_s`: the sample tables, which the packets' timestamps come from, are untouched."""
    _h264(path, 32, 32, seconds * 10, 10, "mp4")
    data = bytearray(path.read_bytes())
    for box, timescale_at, duration_at in ((b"mvhd", 12, 16), (b"mdhd", 12, 16)):
        start = 0
        while (at := data.find(box, start)) != -1:
            start = at + 4
            body = at + 4
            assert data[body] == 0, "version 0 boxes only"
            timescale = int.from_bytes(data[body + timescale_at : body + timescale_at + 4])
            data[body + duration_at : body + duration_at + 4] = (timescale * claimed_s).to_bytes(4)
    at = data.find(b"tkhd")
    movie_timescale = int.from_bytes(data[data.find(b"mvhd") + 16 : data.find(b"mvhd") + 20])
    data[at + 24 : at + 28] = (movie_timescale * claimed_s).to_bytes(4)
    path.write_bytes(bytes(data))
    return path
