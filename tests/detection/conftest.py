"""Fixtures for the scoring pipeline tests: generated clips and small ONNX models.

Everything is built at test time; no media or model file is checked in. The models
honour the baseline contract (input ``input`` float32 [N, 3, 112, 112], output ``prob``
[N, 1]) unless a test asks for a broken one.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from detection.synthetic import make_clip

SPEC: dict[str, Any] = {
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


def build_onnx(
    path: Path,
    *,
    input_shape: tuple[Any, ...] = ("N", 3, 112, 112),
    input_name: str = "input",
    output_name: str = "prob",
    poison: str | None = None,
    weights: tuple[float, float, float] = (1.5, -0.5, -0.8),
) -> Path:
    """Write a tiny classifier: per-channel mean -> linear -> sigmoid.

    Its score depends on the colour content of the crop, so tests can tell frames
    apart. ``poison="nan"`` multiplies by NaN; ``poison="logit"`` drops the sigmoid and adds 2,
    so scores land above 1.
    """
    nodes = [
        helper.make_node("GlobalAveragePool", [input_name], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w", "b"], ["logit"]),
    ]
    initializers = [
        numpy_helper.from_array(np.array(weights, dtype=np.float32).reshape(3, 1), "w"),
        numpy_helper.from_array(np.array([0.1], dtype=np.float32), "b"),
    ]
    if poison == "logit":
        nodes.append(helper.make_node("Add", ["logit", "two"], [output_name]))
        initializers.append(numpy_helper.from_array(np.array([2.0], dtype=np.float32), "two"))
    elif poison == "nan":
        nodes.append(helper.make_node("Sigmoid", ["logit"], ["sig"]))
        nodes.append(helper.make_node("Mul", ["sig", "nan"], [output_name]))
        initializers.append(numpy_helper.from_array(np.array([np.nan], dtype=np.float32), "nan"))
    else:
        nodes.append(helper.make_node("Sigmoid", ["logit"], [output_name]))
    graph = helper.make_graph(
        nodes,
        "tiny_detector",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, [input_shape[0], 1])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="session")
def model_spec() -> dict[str, Any]:
    return SPEC


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_onnx(tmp_path_factory.mktemp("models") / "tiny.onnx")


@pytest.fixture
def onnx_factory(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "model.onnx", **kwargs: Any) -> Path:
        return build_onnx(tmp_path / name, **kwargs)

    return make


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def face_clip(clip_dir: Path) -> Path:
    """2 s of an authentic-looking face clip, 640x360 at 25 fps (50 frames)."""
    return make_clip(clip_dir / "face.mp4", kind="face", seconds=2.0, fps=25.0, seed=3)


@pytest.fixture(scope="session")
def noface_clip(clip_dir: Path) -> Path:
    return make_clip(clip_dir / "noface.mp4", kind="noface", seconds=2.0, fps=25.0, seed=3)


@pytest.fixture(scope="session")
def paste_clip(clip_dir: Path) -> Path:
    return make_clip(clip_dir / "paste.mp4", kind="face_paste", seconds=2.0, fps=25.0, seed=3)
