"""The detector model at run time: its input/output contract, ONNX Runtime session, checks.

A detector model is an ONNX file plus a spec (stored next to it as JSON and in the
registry) that says how to feed it::

    {"input":  {"name": "input", "size": [112, 112], "color_order": "RGB",
                "layout": "NCHW", "scale": 0.00392156862745098, "mean": 0.5, "std": 0.5},
     "output": {"name": "prob", "index": 0, "meaning": "probability manipulated"}}

``size`` is (width, height); ``mean``/``std`` are applied after ``scale`` and may be one
number or one per channel (in ``color_order``). The output is [N, K] and column
``index`` is the probability that the face is manipulated.

Each worker process keeps its sessions in :func:`get_classifier`'s cache, keyed by the
file's SHA-256, so a model is loaded once per process and never confused with another
version that happens to share a path.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort

_COLOR_ORDERS = ("RGB", "BGR")
_LAYOUTS = ("NCHW", "NHWC")
# Sessions kept per process; models are small (a few MB) but a long-lived worker may
# see several versions activated over its life.
_CACHE_SIZE = 4


class ModelValidationError(Exception):
    """The model file does not load or does not honour its spec; the message says how."""


class ModelOutputError(RuntimeError):
    """The model produced a score that is not a finite probability for real input."""


def _channel_triple(value: Any, field: str) -> tuple[float, float, float]:
    if isinstance(value, int | float):
        values = (float(value),) * 3
    elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 3:
        values = tuple(float(v) for v in value)
    else:
        raise ValueError(f"input.{field} must be a number or a list of 3 numbers, got {value!r}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"input.{field} must be finite, got {value!r}")
    return values  # type: ignore[return-value]


@dataclass(frozen=True)
class ModelSpec:
    """How to feed a detector model and read its answer."""

    input_name: str
    size: tuple[int, int]  # (width, height)
    color_order: str
    layout: str
    scale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    output_name: str
    output_index: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSpec:
        """Build from the spec JSON's ``input``/``output`` sections.

        Raises ``KeyError`` for a missing field and ``ValueError``/``TypeError`` for a
        malformed one.
        """
        inp = data["input"]
        out = data["output"]
        size = inp["size"]
        if (
            isinstance(size, str)
            or not isinstance(size, Sequence)
            or len(size) != 2
            or not all(isinstance(v, int) and v > 0 for v in size)
        ):
            raise ValueError(f"input.size must be [width, height] in pixels, got {size!r}")
        color_order = str(inp["color_order"]).upper()
        if color_order not in _COLOR_ORDERS:
            raise ValueError(f"input.color_order must be one of {_COLOR_ORDERS}")
        layout = str(inp["layout"]).upper()
        if layout not in _LAYOUTS:
            raise ValueError(f"input.layout must be one of {_LAYOUTS}")
        scale = float(inp["scale"])
        std = _channel_triple(inp["std"], "std")
        if not math.isfinite(scale) or scale <= 0:
            raise ValueError(f"input.scale must be a positive number, got {scale!r}")
        if any(s <= 0 for s in std):
            raise ValueError(f"input.std must be positive, got {inp['std']!r}")
        index = out.get("index", 0)
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise ValueError(f"output.index must be a non-negative integer, got {index!r}")
        return cls(
            input_name=str(inp["name"]),
            size=(int(size[0]), int(size[1])),
            color_order=color_order,
            layout=layout,
            scale=scale,
            mean=_channel_triple(inp["mean"], "mean"),
            std=std,
            output_name=str(out["name"]),
            output_index=index,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": {
                "name": self.input_name,
                "size": list(self.size),
                "color_order": self.color_order,
                "layout": self.layout,
                "scale": self.scale,
                "mean": list(self.mean),
                "std": list(self.std),
            },
            "output": {"name": self.output_name, "index": self.output_index},
        }


def preprocess(crops: Sequence[np.ndarray], spec: ModelSpec) -> np.ndarray:
    """Turn BGR uint8 crops into the float32 batch the model expects."""
    width, height = spec.size
    batch = np.empty((len(crops), height, width, 3), dtype=np.uint8)
    for i, crop in enumerate(crops):
        if crop.ndim != 3 or crop.shape[2] != 3:
            raise ValueError(f"crop {i} is not an HxWx3 image: shape {crop.shape}")
        if crop.shape[:2] != (height, width):
            crop = cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA)
        batch[i] = crop
    if spec.color_order == "RGB":
        batch = batch[..., ::-1]
    # One fused affine per channel: (x * scale - mean) / std.
    gain = np.float32(spec.scale) / np.asarray(spec.std, dtype=np.float32)
    offset = np.asarray(spec.mean, dtype=np.float32) / np.asarray(spec.std, dtype=np.float32)
    tensor = batch.astype(np.float32) * gain - offset
    if spec.layout == "NCHW":
        tensor = tensor.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(tensor)


def _session_options(intra_threads: int, inter_threads: int) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_threads
    options.inter_op_num_threads = inter_threads
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Spinning pool threads would steal the core the frame decoder runs on.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


def _open_session(path: Path, intra_threads: int, inter_threads: int) -> ort.InferenceSession:
    return ort.InferenceSession(
        str(path),
        sess_options=_session_options(intra_threads, inter_threads),
        providers=["CPUExecutionProvider"],
    )


class Classifier:
    """One ONNX Runtime session scoring face crops as probability manipulated.

    ``Session.run`` is thread-safe in ONNX Runtime, but the pipeline calls it from one
    thread anyway; threads are set per session so several worker processes on one
    machine do not oversubscribe its cores.
    """

    def __init__(
        self,
        model_path: str | Path,
        spec: ModelSpec,
        intra_threads: int = 1,
        inter_threads: int = 1,
    ):
        self.model_path = Path(model_path)
        self.spec = spec
        self.session = _open_session(self.model_path, intra_threads, inter_threads)

    def predict(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Probability manipulated for each BGR crop, as a float64 array of len(crops).

        Raises :class:`ModelOutputError` if the model answers with anything but one
        finite value in [0, 1] per crop.
        """
        return _run_scores(self.session, self.spec, crops, self.model_path.name)


def _run_scores(
    session: ort.InferenceSession, spec: ModelSpec, crops: Sequence[np.ndarray], label: str
) -> np.ndarray:
    if len(crops) == 0:
        return np.zeros(0, dtype=np.float64)
    tensor = preprocess(crops, spec)
    (output,) = session.run([spec.output_name], {spec.input_name: tensor})
    output = np.asarray(output)
    if output.ndim != 2 or output.shape[0] != len(crops) or output.shape[1] <= spec.output_index:
        raise ModelOutputError(
            f"{label} answered {len(crops)} crops with output shape {list(output.shape)}"
        )
    scores = output[:, spec.output_index].astype(np.float64)
    finite = np.isfinite(scores)
    if not finite.all() or scores.min() < 0.0 or scores.max() > 1.0:
        shown = scores[finite]
        span = f"range [{shown.min():.4g}, {shown.max():.4g}]" if shown.size else "no finite"
        raise ModelOutputError(
            f"{label} produced scores that are not probabilities: {span}, "
            f"{int((~finite).sum())} of {len(scores)} not finite"
        )
    return scores


_cache: OrderedDict[str, Classifier] = OrderedDict()
_cache_lock = threading.Lock()


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def get_classifier(
    model_path: str | Path,
    spec_dict: Mapping[str, Any],
    sha256: str,
    intra_threads: int = 1,
    inter_threads: int = 1,
) -> Classifier:
    """This process's classifier for the model with ``sha256``, loaded on first use.

    The file's hash is checked when it is loaded: a file that changed since it was
    registered is refused with :class:`ModelValidationError` rather than scored with.
    """
    with _cache_lock:
        classifier = _cache.get(sha256)
        if classifier is not None:
            _cache.move_to_end(sha256)
            return classifier
        actual = file_sha256(model_path)
        if actual != sha256:
            raise ModelValidationError(
                f"{Path(model_path).name}: SHA-256 {actual} does not match the registered {sha256}"
            )
        spec = ModelSpec.from_dict(spec_dict)
        classifier = Classifier(model_path, spec, intra_threads, inter_threads)
        _cache[sha256] = classifier
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return classifier


def clear_classifier_cache() -> None:
    """Drop every cached session (tests, or a worker told to free memory)."""
    with _cache_lock:
        _cache.clear()


@dataclass(frozen=True)
class ModelCheck:
    """What validation found out about a model that passed it."""

    input_name: str
    input_shape: list[int | str | None]
    output_name: str
    output_shape: list[int | str | None]
    probe_scores: list[float]


def _is_dynamic(dim: object) -> bool:
    return not isinstance(dim, int) or dim <= 0


def _check_dim(dim: object, expected: int, what: str, shape: list[Any]) -> None:
    if not _is_dynamic(dim) and dim != expected:
        raise ModelValidationError(f"{what} is {dim} but the spec needs {expected}; shape {shape}")


def validate_model(path: str | Path, spec: ModelSpec | Mapping[str, Any]) -> ModelCheck:
    """Check that ``path`` loads in ONNX Runtime and honours ``spec``; return its shapes.

    Refuses (with :class:`ModelValidationError`) a file that does not load, input or
    output names, ranks or sizes that disagree with the spec, a fixed batch size, and a
    model whose scores for probe batches of 1 and 2 crops are not finite values in [0, 1].
    """
    path = Path(path)
    if not isinstance(spec, ModelSpec):
        try:
            spec = ModelSpec.from_dict(spec)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelValidationError(f"the spec is malformed: {exc}") from exc
    if not path.is_file():
        raise ModelValidationError(f"{path.name}: no such file")
    try:
        session = _open_session(path, 1, 1)
    except Exception as exc:  # ORT raises its own untyped errors for bad files
        raise ModelValidationError(f"{path.name} does not load in ONNX Runtime: {exc}") from exc

    inputs = session.get_inputs()
    if [i.name for i in inputs] != [spec.input_name]:
        raise ModelValidationError(
            f"model inputs are {[i.name for i in inputs]}; the spec needs exactly "
            f"[{spec.input_name!r}]"
        )
    model_input = inputs[0]
    if model_input.type != "tensor(float)":
        raise ModelValidationError(f"input {spec.input_name!r} is {model_input.type}, not float32")
    in_shape = list(model_input.shape)
    if len(in_shape) != 4:
        raise ModelValidationError(f"input must have rank 4 ({spec.layout}), got shape {in_shape}")
    if not _is_dynamic(in_shape[0]):
        raise ModelValidationError(
            f"input batch dimension is fixed at {in_shape[0]}; it must be dynamic so crops "
            f"can be scored in batches"
        )
    width, height = spec.size
    if spec.layout == "NCHW":
        channel_dim, height_dim, width_dim = in_shape[1], in_shape[2], in_shape[3]
    else:
        height_dim, width_dim, channel_dim = in_shape[1], in_shape[2], in_shape[3]
    _check_dim(channel_dim, 3, "input channel dimension", in_shape)
    _check_dim(height_dim, height, "input height", in_shape)
    _check_dim(width_dim, width, "input width", in_shape)

    outputs = {o.name: o for o in session.get_outputs()}
    if spec.output_name not in outputs:
        raise ModelValidationError(
            f"model has no output {spec.output_name!r}; it has {sorted(outputs)}"
        )
    out_shape = list(outputs[spec.output_name].shape)
    if len(out_shape) != 2:
        raise ModelValidationError(f"output must have rank 2 [N, K], got shape {out_shape}")
    if not _is_dynamic(out_shape[1]) and spec.output_index >= out_shape[1]:
        raise ModelValidationError(
            f"output index {spec.output_index} is out of range for output shape {out_shape}"
        )

    rng = np.random.default_rng(0)
    probe_scores: list[float] = []
    for batch in (1, 2):
        crops = [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(batch)]
        try:
            scores = _run_scores(session, spec, crops, path.name)
        except ModelOutputError as exc:
            raise ModelValidationError(f"probe batch of {batch}: {exc}") from exc
        except Exception as exc:  # a shape mismatch deep in the graph surfaces only here
            raise ModelValidationError(f"probe batch of {batch} failed to run: {exc}") from exc
        probe_scores.extend(float(s) for s in scores)
    return ModelCheck(
        input_name=spec.input_name,
        input_shape=in_shape,
        output_name=spec.output_name,
        output_shape=out_shape,
        probe_scores=probe_scores,
    )
