"""Benchmark: how much scoring a clip costs on top of just decoding it.

Generates a 30 s, 1280x720, 30 fps H.264 clip (synthetic face frames piped to ffmpeg as
raw video, libx264, yuv420p), then times, over several alternating repetitions:

* ``decode_only``: reading the same sampled frames the pipeline reads, the same way
  (every frame is demuxed; unsampled non-reference frames are skipped, as in scoring;
  60 frames converted at 2/s), with the pipeline's decoder threads;
* ``decode_all_cores``: the same with one decoder thread per core, the fastest this
  machine reads the clip; ``pipeline_vs_all_cores_decode`` compares against it, so the
  headline ratio cannot be flattered by a slow baseline;
* ``pipeline``: ``score_video`` end to end with the real face detector and classifier,
  bounded by the default upload limits as the worker is;
* ``upload_probe``: ``probe_media``, the upload check (every packet demuxed once, the
  keyframes decoded), which a web request pays before the clip is stored.

Prints one JSON line with the medians. Targets: pipeline within 1.3x of decode-only,
at least 20x real time, peak RSS under 600 MB.

Uses ``detection/models/baseline-v1.onnx`` and its JSON spec when present; otherwise a
generated stand-in CNN with the same contract and random weights, reported as such.

    .venv/bin/python bench/scoring.py [--runs 5] [--clip existing.mp4]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detection.faces import FaceDetector  # noqa: E402
from detection.frames import DEFAULT_DECODER_THREADS  # noqa: E402
from detection.inference import Classifier, ModelSpec, validate_model  # noqa: E402
from detection.pipeline import decode_only, score_video  # noqa: E402
from detection.probe import DEFAULT_LIMITS, probe_media  # noqa: E402
from detection.synthetic import face_frames  # noqa: E402

BASELINE_MODEL = ROOT / "detection" / "models" / "baseline-v1.onnx"
BASELINE_SPEC = BASELINE_MODEL.with_suffix(".json")
STAND_IN_SPEC: dict[str, Any] = {
    "input": {
        "name": "input",
        "size": [112, 112],
        "color_order": "RGB",
        "layout": "NCHW",
        "scale": 1 / 255,
        "mean": 0.5,
        "std": 0.5,
    },
    "output": {"name": "prob", "index": 0, "meaning": "probability manipulated"},
}


def generate_clip(path: Path, seconds: float, fps: int, size: tuple[int, int]) -> Path:
    """Encode synthetic face frames to H.264 with ffmpeg, streaming (no frame list in RAM)."""
    width, height = size
    command = [
        "ffmpeg", "-v", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}", "-r", str(fps),
        "-i", "-",
        "-c:v", "libx264", "-preset", "fast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-movflags", "+faststart",
        str(path),
    ]  # fmt: skip
    encoder = subprocess.Popen(command, stdin=subprocess.PIPE)
    assert encoder.stdin is not None
    try:
        for frame in face_frames(round(seconds * fps), size, seed=7):
            encoder.stdin.write(frame.tobytes())
    finally:
        encoder.stdin.close()
        if encoder.wait() != 0:
            raise RuntimeError(f"ffmpeg failed with exit code {encoder.returncode}")
    return path


def build_stand_in_model(path: Path) -> Path:
    """A random-weight CNN shaped like the baseline (``detection/training``), same contract.

    Eight 3x3 conv + ReLU layers (16-24-24-48-48-96-96-128 channels, four of them stride
    2, the first at full 112x112 resolution), mean and max pooling, one linear unit and
    a sigmoid: about 87 M multiply-adds per crop, so the benchmark pays what the real
    model costs rather than flattering the pipeline with a trivial graph.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    nodes = []
    inits = []
    previous, channels = "input", 3
    layers = ((16, 1), (24, 2), (24, 1), (48, 2), (48, 1), (96, 2), (96, 1), (128, 2))
    for i, (width, stride) in enumerate(layers):
        weight = rng.normal(0, (2 / (9 * channels)) ** 0.5, (width, channels, 3, 3))
        inits += [
            numpy_helper.from_array(weight.astype(np.float32), f"w{i}"),
            numpy_helper.from_array(np.zeros(width, np.float32), f"b{i}"),
        ]
        nodes += [
            helper.make_node(
                "Conv",
                [previous, f"w{i}", f"b{i}"],
                [f"c{i}"],
                strides=[stride, stride],
                pads=[1, 1, 1, 1],
            ),
            helper.make_node("Relu", [f"c{i}"], [f"r{i}"]),
        ]
        previous, channels = f"r{i}", width
    inits += [
        numpy_helper.from_array(rng.normal(0, 0.05, (2 * channels, 1)).astype(np.float32), "fc"),
        numpy_helper.from_array(np.zeros(1, np.float32), "fcb"),
    ]
    nodes += [
        helper.make_node("GlobalAveragePool", [previous], ["mean"]),
        helper.make_node("GlobalMaxPool", [previous], ["max"]),
        helper.make_node("Concat", ["mean", "max"], ["pooled"], axis=1),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc", "fcb"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["prob"]),
    ]
    graph = helper.make_graph(
        nodes,
        "stand_in",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 112, 112])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, ["N", 1])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def cpu_seconds() -> float:
    """User + system CPU time of this process so far, over all its threads."""
    times = psutil.Process().cpu_times()
    return times.user + times.system


class PeakRss:
    """Samples this process's RSS every few milliseconds while active."""

    def __init__(self, interval_s: float = 0.005):
        self.interval_s = interval_s
        self.peak = 0
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--max-frames", type=int, default=120)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--intra-threads", type=int, default=1)
    parser.add_argument("--decoder-threads", type=int, default=DEFAULT_DECODER_THREADS)
    parser.add_argument("--clip", type=Path, help="reuse this clip instead of generating one")
    args = parser.parse_args()

    if shutil.which("ffmpeg") is None and args.clip is None:
        sys.exit("bench/scoring.py needs ffmpeg on PATH to generate its clip")

    with tempfile.TemporaryDirectory(prefix="unmask-bench-") as tmp:
        workdir = Path(tmp)
        if args.clip is not None:
            clip = args.clip
        else:
            started = time.perf_counter()
            clip = generate_clip(workdir / "bench.mp4", args.seconds, 30, (1280, 720))
            print(
                f"generated {clip.stat().st_size / 1e6:.1f} MB clip in "
                f"{time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )

        if BASELINE_MODEL.is_file() and BASELINE_SPEC.is_file():
            model_path = BASELINE_MODEL
            spec_dict = json.loads(BASELINE_SPEC.read_text())
            model_label = str(BASELINE_MODEL.relative_to(ROOT))
        else:
            model_path = build_stand_in_model(workdir / "stand_in.onnx")
            spec_dict = STAND_IN_SPEC
            model_label = "stand-in CNN (detection/models/baseline-v1.onnx not found)"
        spec = ModelSpec.from_dict(spec_dict)
        validate_model(model_path, spec)

        classifier = Classifier(model_path, spec, intra_threads=args.intra_threads)
        detector = FaceDetector()
        options = {
            "rate": args.rate,
            "max_frames": args.max_frames,
            "decoder_threads": args.decoder_threads,
        }
        # Warm-up: first-touch page faults, ORT's first-run allocations, disk cache.
        decode_only(clip, **options)
        all_cores = {**options, "decoder_threads": os.cpu_count() or 1}
        decode_only(clip, **all_cores)
        warm = score_video(
            clip,
            classifier,
            detector,
            batch_size=args.batch_size,
            limits=DEFAULT_LIMITS,
            **options,
        )
        probe_media(clip, DEFAULT_LIMITS)

        decode_times: list[float] = []
        pipeline_times: list[float] = []
        decode_cpu: list[float] = []
        all_cores_times: list[float] = []
        pipeline_cpu: list[float] = []
        stages: list[dict[str, float]] = []
        probe_times: list[float] = []
        load_before = os.getloadavg()[0]
        rss_before = psutil.Process().memory_info().rss
        # Alternating the two keeps a burst of load from other processes from landing on
        # one side of the comparison only.
        with PeakRss() as rss:
            for _ in range(args.runs):
                cpu = cpu_seconds()
                decode_times.append(decode_only(clip, **options))
                decode_cpu.append(cpu_seconds() - cpu)
                all_cores_times.append(decode_only(clip, **all_cores))
                cpu = cpu_seconds()
                started = time.perf_counter()
                result = score_video(
                    clip,
                    classifier,
                    detector,
                    batch_size=args.batch_size,
                    limits=DEFAULT_LIMITS,
                    **options,
                )
                pipeline_times.append(time.perf_counter() - started)
                pipeline_cpu.append(cpu_seconds() - cpu)
                stages.append(result.timings_ms)
                started = time.perf_counter()
                probe_media(clip, DEFAULT_LIMITS)
                probe_times.append(time.perf_counter() - started)

    decode_s = statistics.median(decode_times)
    pipeline_s = statistics.median(pipeline_times)
    all_cores_s = statistics.median(all_cores_times)
    report = {
        "clip": f"{warm.duration_s:.0f} s 1280x720 30 fps H.264",
        "model": model_label,
        "frames_scored": warm.frames_scored,
        "faces_found": warm.faces_found,
        "decode_only_s": round(decode_s, 3),
        "decode_all_cores_s": round(all_cores_s, 3),
        "pipeline_s": round(pipeline_s, 3),
        "pipeline_vs_decode": round(pipeline_s / decode_s, 3),
        "pipeline_vs_all_cores_decode": round(pipeline_s / all_cores_s, 3),
        "realtime_factor": round(warm.duration_s / pipeline_s, 1),
        "upload_probe_s": round(statistics.median(probe_times), 3),
        "peak_rss_mb": round(rss.peak / 2**20, 1),
        "rss_before_runs_mb": round(rss_before / 2**20, 1),
        "stage_ms": {key: statistics.median(s[key] for s in stages) for key in stages[0]},
        "runs": args.runs,
        # CPU seconds (all threads) tell the cost apart from contention by other processes.
        "decode_only_cpu_s": round(statistics.median(decode_cpu), 3),
        "pipeline_cpu_s": round(statistics.median(pipeline_cpu), 3),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "decode_only_runs_s": [round(t, 3) for t in decode_times],
        "pipeline_runs_s": [round(t, 3) for t in pipeline_times],
        "settings": {
            "batch_size": args.batch_size,
            "ort_intra_threads": args.intra_threads,
            "decoder_threads": args.decoder_threads,
            "cpus": os.cpu_count(),
        },
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
