"""Animations of a still portrait, made here the way animation tools treat a photo.

The face region is mesh-warped over time (a smooth displacement inside the face's ellipse:
the mouth and cheeks move, the background stays), then the whole frame is zoomed, cropped to
a square around the face, and/or padded to 16:9 with black bars, and the result is encoded
with PyAV's H.264 encoder (yuv420p, CRF 28) as an upload would be.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import skimage.data

from detection.faces import FaceBox


def portrait(name: str) -> np.ndarray:
    """A packaged real portrait as BGR: ``astronaut`` or ``camera`` (scikit-image)."""
    image = getattr(skimage.data, name)()
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR)


def warp_face(image: np.ndarray, box: FaceBox, phase: float, amount: float = 0.08) -> np.ndarray:
    """Mesh warp inside the face: jaw drops, cheeks sway, strongest at the face's centre."""
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = box.x + box.w / 2, box.y + box.h * 0.6
    rx, ry = box.w * 0.7, box.h * 0.8
    weight = np.clip(1 - ((xs - cx) / rx) ** 2 - ((ys - cy) / ry) ** 2, 0, 1) ** 1.5
    side = max(box.w, box.h)
    dx = amount * side * np.sin(phase) * weight
    dy = amount * side * np.sin(phase * 1.7 + 1.0) * weight * ((ys - cy) / ry + 0.5)
    map_x, map_y = (xs + dx).astype(np.float32), (ys + dy).astype(np.float32)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def zoom(image: np.ndarray, box: FaceBox, factor: float) -> np.ndarray:
    """Zoom towards the face by ``factor`` (same output size)."""
    height, width = image.shape[:2]
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    matrix = np.float32([[factor, 0, cx * (1 - factor)], [0, factor, cy * (1 - factor)]])
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


def square_around_face(image: np.ndarray, box: FaceBox, scale: float = 2.2) -> np.ndarray:
    height, width = image.shape[:2]
    side = min(round(max(box.w, box.h) * scale), height, width)
    x0 = min(max(0, round(box.x + box.w / 2 - side / 2)), width - side)
    y0 = min(max(0, round(box.y + box.h / 2 - side / 2)), height - side)
    return cv2.resize(image[y0 : y0 + side, x0 : x0 + side], (480, 480))


def pad_16_9(image: np.ndarray, height: int = 360) -> np.ndarray:
    h, w = image.shape[:2]
    inner_w = round(w * height / h)
    inner_w -= inner_w % 2
    width = round(height * 16 / 9)
    frame = np.zeros((height, width, 3), np.uint8)
    x0 = (width - inner_w) // 2
    frame[:, x0 : x0 + inner_w] = cv2.resize(image, (inner_w, height))
    return frame


def encode(frames: list[np.ndarray], path: Path, fps: int = 12) -> Path:
    """H.264 in MP4 through PyAV, even dimensions, yuv420p."""
    height, width = frames[0].shape[:2]
    height, width = height - height % 2, width - width % 2
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "28", "preset": "veryfast"}
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image[:height, :width], format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def animate(
    image: np.ndarray, box: FaceBox, path: Path, *, how: str, seconds: float = 2.0, fps: int = 12
) -> Path:
    """Animate ``image``: ``how`` is ``warp``, ``zoom``, ``square``, ``pad`` or
    ``square+pad`` (each also mesh-warps the face)."""
    frames = []
    count = round(seconds * fps)
    for n in range(count):
        phase = 2 * np.pi * n / count * 2
        frame = warp_face(image, box, phase)
        if "zoom" in how:
            frame = zoom(frame, box, 1.0 + 0.35 * n / max(1, count - 1))
        if "square" in how:
            frame = square_around_face(frame, box)
        if "pad" in how:
            frame = pad_16_9(frame)
        frames.append(frame)
    return encode(frames, path, fps)
