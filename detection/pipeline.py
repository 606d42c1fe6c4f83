"""Scoring one clip end to end: sample frames, find faces, classify crops, aggregate.

Only scorable faces are classified (see :mod:`detection.scoring` for the abstain rule): a
frame without one gets no score, and a clip without one gets none either (``abstained``).

Two cores are kept busy: a producer thread decodes the clip (one decoder thread by
default, ``UNMASK_DECODER_THREADS``; see :mod:`detection.frames`: unsampled non-reference
frames are skipped, only sampled frames are converted to BGR) and feeds a small bounded
queue, while the calling thread
runs face detection and batched inference on what arrives. PyAV's decoding and
conversion, OpenCV's DNN module and ONNX Runtime all release the GIL, so the two
threads really run in parallel. The queue bound keeps at most a handful of decoded
frames in memory however long the clip is.

The detector and classifier are used from the calling thread only (``cv2.dnn`` nets are
not thread-safe); a worker process can reuse both across clips.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from detection.faces import FaceBox, FaceDetector, crop_face
from detection.frames import (
    DEFAULT_DECODER_THREADS,
    ImageSampler,
    SampledFrame,
    VideoSampler,
    open_sampler,
)
from detection.inference import Classifier
from detection.probe import MediaLimits
from detection.scoring import (
    LOW_CONFIDENCE,
    NO_FACE,
    TOO_SMALL,
    aggregate,
    face_refusal,
    frame_score,
)

ProgressCallback = Callable[[int, int], None]

# Decoded frames waiting for the detector. Two are enough to hide jitter between the
# threads; more only costs memory (a 1080p frame is 6 MB).
QUEUE_FRAMES = 4
THUMBNAIL_SIZE = 112
JPEG_QUALITY = 85
# How often the producer re-checks for cancellation while the queue is full.
_PUT_POLL_S = 0.1
# OpenCV's own thread pool costs more than it saves on this work (a 128x128 detection and
# a few small resizes per frame): one 720p frame took 8.6 ms wall and 5.8-7.0 ms CPU with
# two threads, 3.7 ms for both with one. The pipeline brings its own parallelism.
OPENCV_THREADS = 1


@dataclass
class ScoreResult:
    """Everything a scoring run found out about one clip.

    ``clip_score`` is None when no sampled frame had a scorable face; ``abstained`` then says
    why (``"no_face"``). ``frames_scored`` counts the sampled frames looked at;
    ``frames_without_face`` those without a scorable face (no model score). ``counts`` has
    ``frames_sampled``, ``frames_with_face``, ``faces_found`` (every detection),
    ``faces_scored``, ``faces_too_small`` and ``faces_low_confidence``. ``timeline`` has one
    entry per sampled frame, in clip order: ``{"t", "frame", "score" (None without a scorable
    face), "face_found" (a scorable face), "faces": [[x, y, w, h, detection_confidence], ...],
    "face_scores": [...], "faces_skipped": [[x, y, w, h, confidence, reason], ...]}`` with
    ``face_scores`` aligned with ``faces`` (the scorable ones). ``top_crops`` holds the
    highest-scoring face crops, best first, as ``{"t", "frame", "score", "jpeg"}``.
    ``timings_ms`` has ``decode`` (producer thread), ``faces``, ``inference``, ``aggregate``
    and ``total`` (wall clock); decode overlaps the others, so the parts add up to more than
    the total.
    """

    clip_score: float | None
    frames_scored: int
    faces_found: int
    frames_without_face: int
    timeline: list[dict[str, Any]]
    top_crops: list[dict[str, Any]]
    timings_ms: dict[str, float]
    duration_s: float = 0.0
    top_k: int = 5
    counts: dict[str, int] = field(default_factory=dict)
    abstained: str = ""


@dataclass
class _ScoredFrame:
    index: int
    time_s: float
    faces: list[FaceBox]
    crop_scores: list[float | None] = field(default_factory=list)
    skipped: list[tuple[FaceBox, str]] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return all(score is not None for score in self.crop_scores)


@dataclass
class _PendingCrop:
    frame: _ScoredFrame
    slot: int
    image: np.ndarray


class _End:
    """Marks the end of the producer's stream."""


def _produce(
    sampler: VideoSampler | ImageSampler,
    out: queue.Queue[SampledFrame | BaseException | _End],
    stop: threading.Event,
    decode_seconds: list[float],
) -> None:
    def put(item: SampledFrame | BaseException | _End) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=_PUT_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    frames = sampler.frames()
    try:
        while True:
            started = time.perf_counter()
            frame = next(frames, None)
            decode_seconds[0] += time.perf_counter() - started
            if frame is None:
                put(_End())
                return
            if not put(frame):
                return
    except BaseException as exc:  # handed to the consuming thread, which re-raises it
        put(exc)
    finally:
        frames.close()  # closes the container if the stream stopped early


class _TopCrops:
    """The ``keep`` highest-scoring face crops seen so far (a min-heap)."""

    def __init__(self, keep: int):
        self.keep = keep
        self._heap: list[tuple[float, int, float, int, np.ndarray]] = []
        self._seq = 0

    def offer(self, score: float, time_s: float, frame_index: int, crop: np.ndarray) -> None:
        if self.keep <= 0:
            return
        self._seq += 1
        # The sequence number breaks ties so arrays are never compared.
        item = (score, -self._seq, time_s, frame_index, crop)
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, item)
        elif score > self._heap[0][0]:
            heapq.heapreplace(self._heap, item)

    def encoded(self) -> list[dict[str, Any]]:
        crops = []
        for score, _seq, time_s, frame_index, crop in sorted(self._heap, reverse=True):
            if crop.shape[0] != THUMBNAIL_SIZE:
                crop = cv2.resize(
                    crop, (THUMBNAIL_SIZE, THUMBNAIL_SIZE), interpolation=cv2.INTER_AREA
                )
            ok, jpeg = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if ok:
                crops.append(
                    {
                        "t": round(time_s, 3),
                        "frame": frame_index,
                        "score": score,
                        "jpeg": jpeg.tobytes(),
                    }
                )
        return crops


def score_video(
    path: str | Path,
    classifier: Classifier,
    detector: FaceDetector,
    *,
    rate: float = 2.0,
    max_frames: int = 120,
    top_k: int = 5,
    batch_size: int = 16,
    crops_to_keep: int = 6,
    decoder_threads: int = DEFAULT_DECODER_THREADS,
    progress: ProgressCallback | None = None,
    limits: MediaLimits | None = None,
) -> ScoreResult:
    """Score the clip at ``path``; see :class:`ScoreResult` for what comes back.

    Crops are classified in batches of up to ``batch_size``, or sooner whenever the
    decoder has no frame ready. ``progress(done, total)`` is called from this thread
    each time a batch is scored, and once more at the end with ``done == total``; it
    should be cheap (throttle any database writes in the callback). ``limits`` bound the
    read as uploads are bounded (see :class:`~detection.frames.VideoSampler`). Raises
    :class:`~detection.frames.UnreadableMediaError` for a file that is not readable
    video (:class:`~detection.frames.MediaLimitExceeded` for one over ``limits``) and
    :class:`~detection.inference.ModelOutputError` if the model misbehaves.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    started = time.perf_counter()
    cv2.setNumThreads(OPENCV_THREADS)  # process-wide; scoring is what OpenCV does here
    # Opened here, not in the producer, so an unreadable file fails before any thread starts.
    # A photo is scored as one frame (an animation as a clip): open_sampler picks the reader.
    sampler = open_sampler(path, rate, max_frames, threads=decoder_threads, limits=limits)
    total = len(sampler.indices)
    duration_s = sampler.duration_s
    crop_size = max(classifier.spec.size)

    frames_q: queue.Queue[SampledFrame | BaseException | _End] = queue.Queue(QUEUE_FRAMES)
    stop = threading.Event()
    decode_seconds = [0.0]
    producer = threading.Thread(
        target=_produce,
        args=(sampler, frames_q, stop, decode_seconds),
        name="unmask-decode",
        daemon=True,
    )

    scored: list[_ScoredFrame] = []
    pending: list[_PendingCrop] = []
    top_crops = _TopCrops(crops_to_keep)
    faces_s = 0.0
    inference_s = 0.0
    done = 0

    def flush() -> None:
        nonlocal inference_s, done
        if not pending:
            return
        t0 = time.perf_counter()
        scores = classifier.predict([p.image for p in pending])
        inference_s += time.perf_counter() - t0
        for item, score in zip(pending, scores, strict=True):
            item.frame.crop_scores[item.slot] = float(score)
            top_crops.offer(float(score), item.frame.time_s, item.frame.index, item.image)
        pending.clear()
        # Frames are appended in order and batches are scored in order, so the finished
        # frames are always a prefix of `scored`.
        while done < len(scored) and scored[done].done:
            done += 1
        if progress is not None:
            progress(done, max(total, done))

    producer.start()
    try:
        if progress is not None:
            progress(0, total)
        while True:
            item = frames_q.get()
            if isinstance(item, _End):
                break
            if isinstance(item, BaseException):
                raise item
            t0 = time.perf_counter()
            boxes: list[FaceBox] = []
            skipped: list[tuple[FaceBox, str]] = []
            for box in detector.detect(item.image):
                refusal = face_refusal(box.w, box.h, box.score, crop_size)
                if refusal:
                    skipped.append((box, refusal))
                else:
                    boxes.append(box)
            # No scorable face: nothing in this frame is scored (no whole-frame stand-in).
            crops = [crop_face(item.image, box, size=crop_size) for box in boxes]
            faces_s += time.perf_counter() - t0
            record = _ScoredFrame(item.index, item.time_s, boxes, [None] * len(crops), skipped)
            scored.append(record)
            for slot, crop in enumerate(crops):
                pending.append(_PendingCrop(record, slot, crop))
            del item  # let the full frame go while the next one decodes
            # Classify now if the batch is full, or if no frame is waiting: the decoder is
            # the bottleneck, so crops batched while idle would only lengthen the tail
            # left after the last frame is decoded.
            if len(pending) >= batch_size or frames_q.empty():
                flush()
        flush()
    finally:
        stop.set()
        producer.join()

    t0 = time.perf_counter()
    timeline: list[dict[str, Any]] = []
    frame_scores: list[float | None] = []
    for record in scored:
        scores = [s for s in record.crop_scores if s is not None]
        score = frame_score(scores) if scores else None
        frame_scores.append(score)
        timeline.append(
            {
                "t": round(record.time_s, 3),
                "frame": record.index,
                "score": score,
                "face_found": bool(record.faces),
                "faces": [box.as_list() for box in record.faces],
                "face_scores": scores,
                "faces_skipped": [[*box.as_list(), why] for box, why in record.skipped],
            }
        )
    clip_score = aggregate(frame_scores, top_k)
    skipped_reasons = [why for record in scored for _box, why in record.skipped]
    counts = {
        "frames_sampled": len(scored),
        "frames_with_face": sum(1 for record in scored if record.faces),
        "faces_found": sum(len(r.faces) + len(r.skipped) for r in scored),
        "faces_scored": sum(len(record.faces) for record in scored),
        "faces_too_small": skipped_reasons.count(TOO_SMALL),
        "faces_low_confidence": skipped_reasons.count(LOW_CONFIDENCE),
    }
    encoded_crops = top_crops.encoded()
    aggregate_s = time.perf_counter() - t0

    if progress is not None:
        progress(len(scored), len(scored))
    return ScoreResult(
        clip_score=clip_score,
        frames_scored=len(scored),
        faces_found=counts["faces_found"],
        frames_without_face=sum(1 for record in scored if not record.faces),
        timeline=timeline,
        top_crops=encoded_crops,
        timings_ms={
            "decode": round(decode_seconds[0] * 1000, 1),
            "faces": round(faces_s * 1000, 1),
            "inference": round(inference_s * 1000, 1),
            "aggregate": round(aggregate_s * 1000, 1),
            "total": round((time.perf_counter() - started) * 1000, 1),
        },
        duration_s=round(duration_s, 3),
        top_k=top_k,
        counts=counts,
        abstained="" if clip_score is not None else NO_FACE,
    )


def decode_only(
    path: str | Path,
    rate: float = 2.0,
    max_frames: int = 120,
    decoder_threads: int = DEFAULT_DECODER_THREADS,
) -> float:
    """Seconds to read the same sampled frames as :func:`score_video`, doing nothing else.

    The floor any scoring run stands on; the benchmark compares the pipeline against it.
    """
    started = time.perf_counter()
    with open_sampler(path, rate, max_frames, threads=decoder_threads) as sampler:
        for _frame in sampler.frames():
            pass
    return time.perf_counter() - started
