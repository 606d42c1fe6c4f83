"""Synthetic demo and test media built from the public-domain NASA astronaut portrait.

This module owns every synthetic clip Unmask uses: the demo clips `make run` seeds, the
fixtures tests score, and the raw material the baseline model is trained on. All media is
generated at run time from ``skimage.data.astronaut()`` so no third-party photo is ever
shipped as a file.

Kinds of clip:

* ``face`` -- an authentic-looking camera clip: the portrait in a scene with slow pan and
  zoom, slight head movement, lighting drift and fresh sensor noise in every frame.
* ``animated_still`` -- one still photo animated by a smooth mesh warp of the face and a
  slow zoom; its grain is frozen and resampled, never renewed (the press-photo case).
* ``face_paste`` -- the camera clip with a recoloured, smoothed, slightly misaligned copy
  of the face pasted in with Poisson blending: seams, colour mismatch, and no sensor noise
  inside the pasted face.
* ``synthetic`` -- rendered at quarter resolution and brought up by two stride-2
  up-convolutions whose uneven kernel leaves a periodic checkerboard; no sensor noise.
* ``noface`` -- scenery without a face: gradients, drifting shapes, a moving texture.

Clips are written as MPEG-4 Part 2 (OpenCV's "mp4v", what the model was trained on) or, with
``codec="h264"``, as H.264 through PyAV's bundled FFmpeg (what browsers play: the demo clips).
``encode_clip`` writes any container and codec PyAV has, with a tone for audio (test media).

Runtime-safe: imports only numpy, OpenCV, PyAV and scikit-image.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import av
import av.audio.resampler
import cv2
import numpy as np
from skimage import data as skimage_data

__all__ = [
    "CLIP_KINDS",
    "MANIPULATED_KINDS",
    "FaceBox",
    "astronaut_bgr",
    "face_frames",
    "frames_with_face_box",
    "make_clip",
    "manipulated_frames",
    "noface_frames",
    "write_clip",
    "write_evaluation_set",
]

MANIPULATED_KINDS: tuple[str, ...] = ("animated_still", "face_paste", "synthetic")
CLIP_KINDS: tuple[str, ...] = ("face", "noface", *MANIPULATED_KINDS)

# (x0, y0, x1, y1) in frame pixels; the ground-truth face box of a generated frame.
FaceBox = tuple[int, int, int, int]

# Face box in the 512x512 portrait, as BlazeFace short-range reports it.
_PORTRAIT_FACE_IN_PHOTO = (179.0, 82.0, 271.0, 175.0)
# The scene is the portrait extended past its edges (backdrop above, mirrored studio to the
# sides and below), so a moving camera never runs off the photo or shows a mirrored head.
_SCENE_PAD_TOP, _SCENE_PAD_SIDE, _SCENE_PAD_BOTTOM = 160, 256, 96
_PORTRAIT_FACE = (
    _PORTRAIT_FACE_IN_PHOTO[0] + _SCENE_PAD_SIDE,
    _PORTRAIT_FACE_IN_PHOTO[1] + _SCENE_PAD_TOP,
    _PORTRAIT_FACE_IN_PHOTO[2] + _SCENE_PAD_SIDE,
    _PORTRAIT_FACE_IN_PHOTO[3] + _SCENE_PAD_TOP,
)
_PORTRAIT_FACE_CENTER = np.array(
    [(_PORTRAIT_FACE[0] + _PORTRAIT_FACE[2]) / 2, (_PORTRAIT_FACE[1] + _PORTRAIT_FACE[3]) / 2]
)
_PORTRAIT_FACE_HEIGHT = _PORTRAIT_FACE[3] - _PORTRAIT_FACE[1]

# Frames carry no timestamps; motion is timed against a nominal camera rate.
_NOMINAL_FPS = 25.0

# Stream ids keep the random draws of each concern independent, so e.g. a face clip and a
# face_paste clip with the same seed share one camera path.
_STREAM_CAMERA = 0
_STREAM_NOISE = 1
_STREAM_KIND = {kind: 10 + i for i, kind in enumerate(CLIP_KINDS)}


@lru_cache(maxsize=1)
def _astronaut_bgr_cached() -> np.ndarray:
    portrait = cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR)
    portrait.setflags(write=False)
    return portrait


def astronaut_bgr() -> np.ndarray:
    """Return the public-domain astronaut portrait as a 512x512 BGR uint8 array (a copy)."""
    return _astronaut_bgr_cached().copy()


def _extend_scene(photo: np.ndarray) -> np.ndarray:
    # The photo's top row is plain backdrop, so repeating it upwards reads as more wall.
    scene = cv2.copyMakeBorder(photo, _SCENE_PAD_TOP, 0, 0, 0, cv2.BORDER_REPLICATE)
    return cv2.copyMakeBorder(
        scene, 0, _SCENE_PAD_BOTTOM, _SCENE_PAD_SIDE, _SCENE_PAD_SIDE, cv2.BORDER_REFLECT_101
    )


@lru_cache(maxsize=1)
def _scene_bgr() -> np.ndarray:
    scene = _extend_scene(_astronaut_bgr_cached())
    scene.setflags(write=False)
    return scene


@dataclass(frozen=True)
class _Camera:
    """A slowly moving camera framing the portrait; all amplitudes are per clip."""

    size: tuple[int, int]
    face_frac: float
    center: tuple[float, float]
    zoom_amp: float
    zoom_period: float
    pan_amp: tuple[float, float]
    pan_period: float
    roll_amp_deg: float
    phases: tuple[float, float, float]
    head_amp: float
    gain_amp: float
    tint_amp: tuple[float, float, float]
    light_period: float
    noise_sigma: float

    @classmethod
    def draw(cls, size: tuple[int, int], seed: int) -> _Camera:
        rng = np.random.default_rng([seed, _STREAM_CAMERA])
        width, height = size
        pan_angle = rng.uniform(0, 2 * math.pi)
        pan = rng.uniform(3, 12) * height / 360
        return cls(
            size=size,
            face_frac=float(rng.uniform(0.24, 0.38)),
            center=(width * rng.uniform(0.38, 0.62), height * rng.uniform(0.40, 0.52)),
            zoom_amp=float(rng.uniform(0.02, 0.06)),
            zoom_period=float(rng.uniform(3, 7)),
            pan_amp=(pan * math.cos(pan_angle), pan * math.sin(pan_angle)),
            pan_period=float(rng.uniform(3, 8)),
            roll_amp_deg=float(rng.uniform(0.3, 1.5)),
            phases=tuple(rng.uniform(0, 2 * math.pi, size=3).tolist()),
            head_amp=float(rng.uniform(0.6, 2.0)) * height / 360,
            gain_amp=float(rng.uniform(0.02, 0.07)),
            tint_amp=tuple(rng.uniform(-4, 4, size=3).tolist()),
            light_period=float(rng.uniform(2, 6)),
            noise_sigma=float(rng.uniform(2.0, 5.0)),
        )

    def portrait_to_frame(self, t: float, scale: float = 1.0) -> np.ndarray:
        """2x3 affine matrix placing the portrait in the frame at time ``t`` seconds.

        ``scale`` renders the same view at a fraction of the frame size.
        """
        ph_zoom, ph_pan, ph_roll = self.phases
        zoom = 1 + self.zoom_amp * math.sin(2 * math.pi * t / self.zoom_period + ph_zoom)
        s = scale * zoom * self.face_frac * self.size[1] / _PORTRAIT_FACE_HEIGHT
        theta = math.radians(
            self.roll_amp_deg * math.sin(2 * math.pi * t / (1.3 * self.pan_period) + ph_roll)
        )
        pan = math.sin(2 * math.pi * t / self.pan_period + ph_pan)
        target = np.array(
            [
                scale * (self.center[0] + self.pan_amp[0] * pan),
                scale * (self.center[1] + self.pan_amp[1] * pan),
            ]
        )
        linear = s * np.array(
            [[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]]
        )
        offset = target - linear @ _PORTRAIT_FACE_CENTER
        return np.hstack([linear, offset[:, None]])

    def light(self, t: float) -> tuple[float, np.ndarray]:
        """Gain and per-channel offset of the lighting drift at time ``t``."""
        wave = math.sin(2 * math.pi * t / self.light_period + self.phases[0] * 0.7)
        gain = 1 + self.gain_amp * wave
        tint = np.array(self.tint_amp, dtype=np.float32) * wave
        return gain, tint


def _face_box(matrix: np.ndarray) -> FaceBox:
    x0, y0, x1, y1 = _PORTRAIT_FACE
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], dtype=np.float64)
    mapped = corners @ matrix.T
    lo = mapped.min(axis=0)
    hi = mapped.max(axis=0)
    return round(lo[0]), round(lo[1]), round(hi[0]), round(hi[1])


def _render_portrait(portrait: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    # The scene is large enough that the border mode only matters for extreme framings;
    # reflecting avoids black bars, which would be a trivial cue.
    return cv2.warpAffine(
        portrait, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )


def _mesh_warp(image: np.ndarray, box: FaceBox, grid: np.ndarray) -> np.ndarray:
    """Warp the region around ``box`` by a coarse control-point displacement grid.

    ``grid`` has shape (g, g, 2) in pixels; its outer ring is pinned to zero so the warped
    region joins the untouched frame without a step. Interpolating the grid bilinearly
    gives a piecewise-bilinear mesh warp.
    """
    height, width = image.shape[:2]
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = 0.9 * (x1 - x0), 1.0 * (y1 - y0)
    rx0, ry0 = max(0, int(cx - half_w)), max(0, int(cy - half_h))
    rx1, ry1 = min(width, int(cx + half_w)), min(height, int(cy + half_h))
    if rx1 - rx0 < 8 or ry1 - ry0 < 8:
        return image
    pinned = grid.astype(np.float32).copy()
    pinned[0, :] = pinned[-1, :] = pinned[:, 0] = pinned[:, -1] = 0
    dense = cv2.resize(pinned, (rx1 - rx0, ry1 - ry0), interpolation=cv2.INTER_LINEAR)
    xs, ys = np.meshgrid(
        np.arange(rx1 - rx0, dtype=np.float32), np.arange(ry1 - ry0, dtype=np.float32)
    )
    roi = np.ascontiguousarray(image[ry0:ry1, rx0:rx1])
    warped = cv2.remap(
        roi,
        xs - dense[..., 0],
        ys - dense[..., 1],
        interpolation=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT_101,
    )
    out = image.copy()
    out[ry0:ry1, rx0:rx1] = warped
    return out


class _SensorNoise:
    """Fresh per-frame sensor noise drawn as random windows of one noise field.

    Drawing a full Gaussian field per frame dominates the cost of a clip; windows at
    random offsets of a larger field are statistically the same white noise and differ
    from frame to frame.
    """

    _MARGIN = 97

    def __init__(self, size: tuple[int, int], sigma: float, rng: np.random.Generator) -> None:
        width, height = size
        self._rng = rng
        self._size = size
        self._field = rng.standard_normal(
            (height + self._MARGIN, width + self._MARGIN, 3), dtype=np.float32
        )
        self._field *= sigma

    def window(self) -> np.ndarray:
        width, height = self._size
        ox, oy = self._rng.integers(0, self._MARGIN, size=2)
        return self._field[oy : oy + height, ox : ox + width]


def _finish(
    frame: np.ndarray,
    gain: float = 1.0,
    tint: np.ndarray | None = None,
    noise: np.ndarray | None = None,
) -> np.ndarray:
    """Apply lighting and sensor noise in float, then saturate back to uint8."""
    out = frame.astype(np.float32)
    if gain != 1.0:
        cv2.multiply(out, gain, dst=out)
    if tint is not None:
        out += tint
    if noise is not None:
        out += noise
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = int(size[0]), int(size[1])
    if width < 32 or height < 32:
        raise ValueError(f"frame size must be at least 32x32, got {size!r}")
    return width, height


def _camera_frames(
    n: int, size: tuple[int, int], seed: int
) -> Iterator[tuple[np.ndarray, FaceBox]]:
    camera = _Camera.draw(size, seed)
    noise = _SensorNoise(size, camera.noise_sigma, np.random.default_rng([seed, _STREAM_NOISE]))
    portrait = _scene_bgr()
    head_grid = np.zeros((5, 5, 2), dtype=np.float32)
    head_phase = camera.phases[1] * 1.7
    for i in range(n):
        t = i / _NOMINAL_FPS
        matrix = camera.portrait_to_frame(t)
        box = _face_box(matrix)
        frame = _render_portrait(portrait, matrix, size)
        # A gentle nod and sway: the head moves as a whole against the backdrop.
        head_grid[1:-1, 1:-1, 0] = camera.head_amp * math.sin(2 * math.pi * t / 2.3 + head_phase)
        head_grid[1:-1, 1:-1, 1] = camera.head_amp * math.sin(2 * math.pi * t / 1.7 + head_phase)
        frame = _mesh_warp(frame, box, head_grid)
        gain, tint = camera.light(t)
        yield _finish(frame, gain, tint, noise.window()), box


def _animated_still_frames(
    n: int, size: tuple[int, int], seed: int
) -> Iterator[tuple[np.ndarray, FaceBox]]:
    rng = np.random.default_rng([seed, _STREAM_KIND["animated_still"]])
    width, height = size
    # The source is a published photo, smaller than the video frame: shot once (its grain
    # frozen from then on), JPEG-compressed, then enlarged to fill the frame.
    enlarge = float(rng.uniform(1.25, 1.8))
    still_size = (max(32, round(width / enlarge)), max(32, round(height / enlarge)))
    still, still_box = next(_camera_frames(1, still_size, seed))
    quality = int(rng.integers(70, 95))
    ok, encoded = cv2.imencode(".jpg", still, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if ok:
        still = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    grid_n = 6
    amp = rng.uniform(1.5, 4.5, size=(grid_n, grid_n, 2)) * still_size[1] / 360
    freq = rng.uniform(0.3, 0.9, size=(grid_n, grid_n, 2))
    phase = rng.uniform(0, 2 * math.pi, size=(grid_n, grid_n, 2))
    zoom_rate = float(rng.uniform(0.01, 0.03))  # per second
    still_cx = (still_box[0] + still_box[2]) / 2
    still_cy = (still_box[1] + still_box[3]) / 2
    corners = np.array(
        [[still_box[0], still_box[1], 1], [still_box[2], still_box[3], 1]], dtype=np.float64
    )
    for i in range(n):
        t = i / _NOMINAL_FPS
        grid = (amp * np.sin(2 * math.pi * freq * t + phase)).astype(np.float32)
        frame = _mesh_warp(still, still_box, grid)
        # Enlarge to the frame with a slow "Ken Burns" zoom towards the face: every frame
        # is a fresh resampling of the same pixels, which softens the frozen grain.
        s = enlarge * (1 + zoom_rate * t)
        matrix = np.array(
            [
                [s, 0.0, enlarge * still_cx - s * still_cx],
                [0.0, s, enlarge * still_cy - s * still_cy],
            ]
        )
        frame = cv2.warpAffine(
            frame, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
        )
        mapped = corners @ matrix.T
        yield (
            frame,
            (round(mapped[0, 0]), round(mapped[0, 1]), round(mapped[1, 0]), round(mapped[1, 1])),
        )


def _paste_source(rng: np.random.Generator) -> np.ndarray:
    """A recoloured, smoothed copy of the portrait: the face a swap model would render."""
    portrait = _scene_bgr().astype(np.float32)
    gains = rng.uniform(0.86, 1.14, size=3).astype(np.float32)
    gamma = float(rng.uniform(0.85, 1.15))
    recoloured = 255.0 * np.power(portrait / 255.0, gamma) * gains
    smoothed = cv2.GaussianBlur(recoloured, (0, 0), float(rng.uniform(0.8, 1.6)))
    return np.clip(smoothed, 0, 255).astype(np.uint8)


def _face_paste_frames(
    n: int, size: tuple[int, int], seed: int
) -> Iterator[tuple[np.ndarray, FaceBox]]:
    rng = np.random.default_rng([seed, _STREAM_KIND["face_paste"]])
    camera = _Camera.draw(size, seed)
    source = _paste_source(rng)
    # The swapped face never sits exactly where the real one was.
    extra_scale = float(rng.uniform(0.96, 1.05))
    extra_rot = float(rng.uniform(-3, 3))
    extra_shift = rng.uniform(-2.5, 2.5, size=2) * size[1] / 360
    blend_back = float(rng.uniform(0.35, 0.7))
    width, height = size
    for i, (frame, box) in enumerate(_camera_frames(n, size, seed)):
        t = i / _NOMINAL_FPS
        x0, y0, x1, y1 = box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        nudge = cv2.getRotationMatrix2D((cx, cy), extra_rot, extra_scale)
        nudge[:, 2] += extra_shift
        matrix = np.vstack([nudge, [0, 0, 1]]) @ np.vstack([camera.portrait_to_frame(t), [0, 0, 1]])
        # Work in a window around the face: Poisson blending over the whole frame costs
        # several times more and changes nothing outside the mask.
        axes = (max(4, round(0.45 * (x1 - x0))), max(4, round(0.58 * (y1 - y0))))
        ecx, ecy = cx, cy + 0.05 * (y1 - y0)
        rx0, ry0 = max(0, int(ecx - axes[0] - 8)), max(0, int(ecy - axes[1] - 8))
        rx1 = min(width, int(ecx + axes[0] + 9))
        ry1 = min(height, int(ecy + axes[1] + 9))
        roi_size = (rx1 - rx0, ry1 - ry0)
        if roi_size[0] < 16 or roi_size[1] < 16:
            yield frame, box
            continue
        to_roi = matrix[:2].copy()
        to_roi[:, 2] -= (rx0, ry0)
        pasted = _render_portrait(source, to_roi, roi_size)
        mask = np.zeros((roi_size[1], roi_size[0]), dtype=np.uint8)
        cv2.ellipse(mask, (round(ecx - rx0), round(ecy - ry0)), axes, 0, 0, 360, 255, -1)
        # seamlessClone rejects masks touching the image edge.
        mask[:3, :] = mask[-3:, :] = 0
        mask[:, :3] = mask[:, -3:] = 0
        xs_hit = np.flatnonzero(mask.any(axis=0))
        ys_hit = np.flatnonzero(mask.any(axis=1))
        if len(xs_hit) < 4 or len(ys_hit) < 4:
            yield frame, box
            continue
        rect_center = (
            (int(xs_hit[0]) + int(xs_hit[-1]) + 1) // 2,
            (int(ys_hit[0]) + int(ys_hit[-1]) + 1) // 2,
        )
        target = np.ascontiguousarray(frame[ry0:ry1, rx0:rx1])
        cloned = cv2.seamlessClone(pasted, target, mask, rect_center, cv2.NORMAL_CLONE)
        # Poisson blending hides a colour offset; mixing some raw pasted colour back in keeps
        # the mismatch a swap model leaves, with a visible seam at the mask edge.
        alpha = cv2.GaussianBlur(mask, (0, 0), 2.0).astype(np.float32)[..., None] * (
            blend_back / 255.0
        )
        mixed = cloned.astype(np.float32) * (1 - alpha) + pasted.astype(np.float32) * alpha
        out = frame.copy()
        out[ry0:ry1, rx0:rx1] = np.clip(mixed, 0, 255).astype(np.uint8)
        yield out, box


def _upconv2x(image: np.ndarray, side_tap: float) -> np.ndarray:
    """Stride-2 transposed convolution with a 3-tap kernel [a, 1, a].

    With a != 0.5 the even and odd output pixels receive different total weight, the
    checkerboard generators leave behind.
    """
    height, width = image.shape[:2]
    up = np.zeros((2 * height, 2 * width, image.shape[2]), dtype=np.float32)
    up[::2, ::2] = image
    kernel = np.array([side_tap, 1.0, side_tap], dtype=np.float32) * (2 / (1 + 2 * side_tap))
    return cv2.sepFilter2D(up, -1, kernel, kernel, borderType=cv2.BORDER_REFLECT_101)


def _synthetic_frames(
    n: int, size: tuple[int, int], seed: int
) -> Iterator[tuple[np.ndarray, FaceBox]]:
    rng = np.random.default_rng([seed, _STREAM_KIND["synthetic"]])
    camera = _Camera.draw(size, seed)
    portrait = _scene_bgr()
    width, height = size
    low_size = (math.ceil(width / 4), math.ceil(height / 4))
    side_taps = rng.uniform(0.43, 0.47, size=2)
    for i in range(n):
        t = i / _NOMINAL_FPS
        matrix = camera.portrait_to_frame(t)
        low = cv2.warpAffine(
            portrait,
            camera.portrait_to_frame(t, scale=0.25),
            low_size,
            flags=cv2.INTER_AREA,
            borderMode=cv2.BORDER_REFLECT_101,
        ).astype(np.float32)
        gain, tint = camera.light(t)
        frame = _upconv2x(_upconv2x(low, float(side_taps[0])), float(side_taps[1]))
        yield _finish(frame[:height, :width], gain, tint), _face_box(matrix)


def _noface_frames(n: int, size: tuple[int, int], seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng([seed, _STREAM_KIND["noface"]])
    width, height = size
    # Backdrop: a linear gradient between two random colours at a random angle.
    angle = rng.uniform(0, 2 * math.pi)
    xs, ys = np.meshgrid(np.linspace(-1, 1, width), np.linspace(-1, 1, height))
    ramp = ((xs * math.cos(angle) + ys * math.sin(angle)) * 0.5 + 0.5).astype(np.float32)
    c0, c1 = rng.uniform(20, 235, size=(2, 3)).astype(np.float32)
    backdrop = c0 + ramp[..., None] * (c1 - c0)
    # A soft texture larger than the frame that scrolls, like foliage or water.
    margin = 64
    coarse = rng.standard_normal(((height + margin) // 8 + 2, (width + margin) // 8 + 2, 3))
    texture = cv2.resize(
        coarse.astype(np.float32), None, fx=8, fy=8, interpolation=cv2.INTER_CUBIC
    ) * float(rng.uniform(6, 18))
    velocity = rng.uniform(-1.2, 1.2, size=2)
    shapes = []
    for _ in range(int(rng.integers(3, 7))):
        shapes.append(
            {
                "kind": str(rng.choice(["circle", "rect", "line"])),
                "pos": rng.uniform([0, 0], [width, height]),
                "vel": rng.uniform(-2, 2, size=2) * height / 360,
                "extent": float(rng.uniform(0.05, 0.25)) * height,
                "color": tuple(float(c) for c in rng.uniform(0, 255, size=3)),
            }
        )
    noise = _SensorNoise(
        size, float(rng.uniform(2, 5)), np.random.default_rng([seed, _STREAM_NOISE])
    )
    light_period = float(rng.uniform(2, 6))
    for i in range(n):
        ox = int((margin / 2 + velocity[0] * i) % margin)
        oy = int((margin / 2 + velocity[1] * i) % margin)
        frame = backdrop + texture[oy : oy + height, ox : ox + width]
        for shape in shapes:
            x, y = (shape["pos"] + shape["vel"] * i).astype(int)
            r = round(shape["extent"])
            if shape["kind"] == "circle":
                cv2.circle(frame, (int(x), int(y)), r, shape["color"], -1, cv2.LINE_AA)
            elif shape["kind"] == "rect":
                cv2.rectangle(
                    frame, (int(x), int(y)), (int(x) + r, int(y) + r // 2), shape["color"], -1
                )
            else:
                cv2.line(
                    frame,
                    (int(x), int(y)),
                    (int(x) + 2 * r, int(y) + r),
                    shape["color"],
                    3,
                    cv2.LINE_AA,
                )
        gain = 1 + 0.04 * math.sin(2 * math.pi * i / _NOMINAL_FPS / light_period)
        yield _finish(frame, gain, None, noise.window())


def face_frames(n: int, size: tuple[int, int] = (640, 360), seed: int = 0) -> Iterator[np.ndarray]:
    """Yield ``n`` BGR frames (``size`` is width x height) of an authentic camera clip."""
    for frame, _box in _camera_frames(n, _check_size(size), seed):
        yield frame


def manipulated_frames(
    n: int, size: tuple[int, int] = (640, 360), seed: int = 0, kind: str = "animated_still"
) -> Iterator[np.ndarray]:
    """Yield ``n`` BGR frames of a manipulated clip; ``kind`` is one of MANIPULATED_KINDS."""
    if kind not in MANIPULATED_KINDS:
        raise ValueError(f"unknown manipulation {kind!r}; expected one of {MANIPULATED_KINDS}")
    for frame, _box in frames_with_face_box(n, size, seed, kind):
        yield frame


def noface_frames(
    n: int, size: tuple[int, int] = (640, 360), seed: int = 0
) -> Iterator[np.ndarray]:
    """Yield ``n`` BGR frames of scenery without a face."""
    yield from _noface_frames(n, _check_size(size), seed)


def frames_with_face_box(
    n: int, size: tuple[int, int] = (640, 360), seed: int = 0, kind: str = "face"
) -> Iterator[tuple[np.ndarray, FaceBox | None]]:
    """Yield ``(frame, face_box)`` pairs; the box is ground truth, ``None`` for ``noface``.

    The box is the tight face box BlazeFace reports on the portrait, carried through the
    camera motion. Training and tests crop around it without running a detector.
    """
    size = _check_size(size)
    if kind == "face":
        yield from _camera_frames(n, size, seed)
    elif kind == "noface":
        for frame in _noface_frames(n, size, seed):
            yield frame, None
    elif kind == "animated_still":
        yield from _animated_still_frames(n, size, seed)
    elif kind == "face_paste":
        yield from _face_paste_frames(n, size, seed)
    elif kind == "synthetic":
        yield from _synthetic_frames(n, size, seed)
    else:
        raise ValueError(f"unknown clip kind {kind!r}; expected one of {CLIP_KINDS}")


def write_clip(
    path: str | Path, frames: Iterable[np.ndarray], fps: float = 25.0, codec: str = "mp4v"
) -> Path:
    """Write BGR frames to an MP4 and return the path: MPEG-4 Part 2 ("mp4v") with OpenCV, or
    H.264 (``codec="h264"``, yuv420p, faststart) with PyAV.

    Needs no system FFmpeg: OpenCV's and PyAV's wheels carry their own encoders.
    """
    if codec == "h264":
        return encode_clip(path, frames, fps)
    if codec != "mp4v":
        raise ValueError(f"unknown codec {codec!r}; expected 'mp4v' or 'h264'")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise ValueError("write_clip needs at least one frame")
    height, width = first.shape[:2]
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), (width, height)
    )
    if not writer.isOpened():
        raise OSError(f"OpenCV could not open an mp4v writer for {path}")
    try:
        for frame in _chain_first(first, iterator):
            if frame.shape[:2] != (height, width) or frame.dtype != np.uint8:
                raise ValueError(
                    f"every frame must be uint8 {width}x{height}, got {frame.dtype} "
                    f"{frame.shape[1]}x{frame.shape[0]}"
                )
            writer.write(np.ascontiguousarray(frame))
    finally:
        writer.release()
    return path


def _chain_first(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


def encode_clip(
    path: str | Path,
    frames: Iterable[np.ndarray],
    fps: float = 25.0,
    *,
    container_format: str = "mp4",
    video_codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    audio_codec: str | None = None,
    audio_rate: int = 44_100,
) -> Path:
    """Encode BGR frames with PyAV (any container and codec its FFmpeg has); return the path.

    With ``audio_codec`` the clip gets a 440 Hz stereo tone as long as the video.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise ValueError("encode_clip needs at least one frame")
    options = {"movflags": "+faststart"} if container_format == "mp4" else {}
    with av.open(str(path), mode="w", format=container_format, options=options) as out:
        video = out.add_stream(video_codec, rate=round(fps))
        video.height, video.width = first.shape[:2]
        video.pix_fmt = pix_fmt
        audio = _tone_stream(out, audio_codec, audio_rate) if audio_codec else None
        n = 0
        for frame in _chain_first(first, iterator):
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")
            picture.pts = n
            out.mux(video.encode(picture))
            n += 1
        out.mux(video.encode(None))
        if audio is not None:
            _encode_tone(out, audio, audio_rate, n / fps)
    return path


def _tone_stream(out: av.container.OutputContainer, codec: str, rate: int) -> av.AudioStream:
    audio = out.add_stream(codec, rate=rate)
    audio.layout = "stereo"
    return audio


def _encode_tone(
    out: av.container.OutputContainer, audio: av.AudioStream, rate: int, seconds: float
) -> None:
    size = audio.codec_context.frame_size or 1024
    sample_format = audio.codec_context.format.name
    resampler = av.audio.resampler.AudioResampler(format=sample_format, layout="stereo", rate=rate)
    total = round(rate * seconds)
    for start in range(0, total, size):
        t = np.arange(start, min(total, start + size)) / rate
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = rate, start
        for converted in resampler.resample(frame):
            out.mux(audio.encode(converted))
    out.mux(audio.encode(None))


def make_clip(
    path: str | Path,
    kind: str = "face",
    seconds: float = 2.0,
    fps: float = 25.0,
    size: tuple[int, int] = (640, 360),
    seed: int = 0,
    codec: str = "mp4v",
) -> Path:
    """Generate a clip of ``kind`` (one of CLIP_KINDS) and write it to ``path`` as MP4
    (``codec``: "mp4v" or "h264", see ``write_clip``)."""
    if kind not in CLIP_KINDS:
        raise ValueError(f"unknown clip kind {kind!r}; expected one of {CLIP_KINDS}")
    n = max(1, round(seconds * fps))
    frames = (frame for frame, _box in frames_with_face_box(n, size, seed, kind))
    return write_clip(path, frames, fps, codec=codec)


def write_evaluation_set(
    root: str | Path,
    per_kind: int = 3,
    seconds: float = 2.0,
    size: tuple[int, int] = (640, 360),
    first_seed: int = 700_000,
) -> Path:
    """Write a labelled set for ``manage.py evaluate_detector``: ``real/face``,
    ``real/noface`` and ``fake/<kind>`` for each manipulation, ``per_kind`` clips each, from
    seeds the baseline never trained on. Returns ``root``."""
    root = Path(root)
    layout = [("real", "face"), ("real", "noface")] + [("fake", k) for k in MANIPULATED_KINDS]
    for label, kind in layout:
        for i in range(per_kind):
            make_clip(
                root / label / kind / f"{kind}-{i}.mp4",
                kind,
                seconds=seconds,
                size=size,
                seed=first_seed + i,
            )
    return root
