"""Benchmark: how long a review rendition takes, as a share of the clip's duration.

Generates two MPEG-4 Part 2 clips with PyAV (synthetic face frames, what browsers cannot
play): 30 s at 1280x720 and 60 s at 1920x1080, 30 fps, a stereo tone for audio. Times
`detection.rendition.make_rendition` on each with two threads (the settings' default) and the
settings' default preset and quality (superfast, CRF 23), and prints one JSON line: seconds,
the ratio to the clip's duration (0.25 is 4x faster than real time), the sizes and the load
average while it ran. Target: 720p faster than 4x real time (ratio under 0.25).

    .venv/bin/python bench/rendition.py [--threads 2] [--preset superfast]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detection.rendition import make_rendition  # noqa: E402
from detection.synthetic import encode_clip, face_frames  # noqa: E402

FPS = 30
CLIPS = (("720p_30s", (1280, 720), 30), ("1080p_60s", (1920, 1080), 60))


def _frames(size: tuple[int, int], seconds: int):  # noqa: ANN202
    # Two seconds of distinct frames, looped: the encoder still sees motion every frame.
    loop = list(face_frames(2 * FPS, size, seed=1))
    return itertools.islice(itertools.cycle(loop), seconds * FPS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--preset", default="superfast")
    parser.add_argument("--crf", type=int, default=23)
    args = parser.parse_args()
    results: dict[str, object] = {
        "threads": args.threads,
        "preset": args.preset,
        "crf": args.crf,
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="bench-rendition-") as tmp:
        for name, size, seconds in CLIPS:
            source = encode_clip(
                Path(tmp) / f"{name}.avi",
                _frames(size, seconds),
                FPS,
                container_format="avi",
                video_codec="mpeg4",
                audio_codec="mp2",
            )
            load_before = os.getloadavg()[0]
            result = make_rendition(
                source, tmp, threads=args.threads, preset=args.preset, crf=args.crf
            )
            results[name] = {
                "seconds": result.seconds,
                "ratio_to_duration": round(result.seconds / seconds, 3),
                "faster_than_real_time": round(seconds / result.seconds, 2),
                "source_bytes": source.stat().st_size,
                "rendition_bytes": result.path.stat().st_size,
                "size": f"{result.width}x{result.height}",
                "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            }
    ratio_720 = results["720p_30s"]["ratio_to_duration"]  # type: ignore[index]
    results["target_720p_under_0.25"] = ratio_720 < 0.25
    print(json.dumps(results))


if __name__ == "__main__":
    main()
