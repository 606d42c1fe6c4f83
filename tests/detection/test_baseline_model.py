"""The committed baseline model: its files agree, it honours the contract, and it ranks
manipulated face crops above authentic ones on synthetic clips it was not trained on."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from detection import synthetic

MODELS = Path(__file__).resolve().parents[2] / "detection" / "models"
ONNX_PATH = MODELS / "baseline-v1.onnx"
SPEC_PATH = MODELS / "baseline-v1.json"
# Far from the seeds the training script draws its splits and checks from.
SEEDS = (424_242, 424_243, 424_244)


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text())


@pytest.fixture(scope="module")
def session() -> ort.InferenceSession:
    return ort.InferenceSession(str(ONNX_PATH), providers=["CPUExecutionProvider"])


def _preprocess(crops_bgr: list[np.ndarray], spec: dict) -> np.ndarray:
    """The contract, written out independently of the runtime's preprocessing."""
    inp = spec["input"]
    width, height = inp["size"]
    batch = np.stack(
        [cv2.resize(c, (width, height), interpolation=cv2.INTER_AREA) for c in crops_bgr]
    )
    if inp["color_order"] == "RGB":
        batch = batch[..., ::-1]
    x = batch.astype(np.float32) * np.float32(inp["scale"])
    x = (x - np.array(inp["mean"], np.float32)) / np.array(inp["std"], np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def _face_crop(frame: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Square crop with a 25% margin around the face box, kept inside the frame."""
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = box
    side = min(round(max(x1 - x0, y1 - y0) * 1.5), height, width)
    left = min(max(0, round((x0 + x1) / 2 - side / 2)), width - side)
    top = min(max(0, round((y0 + y1) / 2 - side / 2)), height - side)
    return frame[top : top + side, left : left + side]


def _scores(session: ort.InferenceSession, spec: dict, crops: list[np.ndarray]) -> np.ndarray:
    batch = _preprocess(crops, spec)
    return session.run([spec["output"]["name"]], {spec["input"]["name"]: batch})[0][:, 0]


def _crops(kind: str, frames: int = 8) -> list[np.ndarray]:
    return [
        _face_crop(frame, box)
        for seed in SEEDS
        for frame, box in synthetic.frames_with_face_box(frames, (640, 360), seed, kind)
    ]


def test_spec_describes_the_committed_file(spec):
    assert spec["sha256"] == hashlib.sha256(ONNX_PATH.read_bytes()).hexdigest()
    assert spec["name"] == "unmask-baseline"
    assert spec["input"] == {
        "name": "input",
        "size": [112, 112],
        "color_order": "RGB",
        "layout": "NCHW",
        "scale": 0.00392156862745098,
        "mean": [0.5, 0.5, 0.5],
        "std": [0.5, 0.5, 0.5],
    }
    assert spec["output"]["name"] == "prob"
    assert 0.0 < spec["threshold"] < 1.0
    assert 0.5 < spec["metrics"]["heldout_auc"] <= 1.0
    assert ONNX_PATH.stat().st_size < 5 * 1024 * 1024


def test_graph_signature_matches_the_contract(session, spec):
    (inp,) = session.get_inputs()
    (out,) = session.get_outputs()
    assert inp.name == spec["input"]["name"]
    assert inp.type == "tensor(float)"
    assert inp.shape[1:] == [3, 112, 112]
    assert out.name == spec["output"]["name"]
    assert out.shape[1:] == [1]


@pytest.mark.parametrize("batch_size", [1, 16])
def test_outputs_are_probabilities_for_any_batch_size(session, spec, batch_size):
    crops = _crops("face", frames=6)[:batch_size]
    crops += [np.full((112, 112, 3), 128, np.uint8)] * (batch_size - len(crops))
    probs = session.run(["prob"], {"input": _preprocess(crops, spec)})[0]
    assert probs.shape == (batch_size, 1)
    assert np.all(np.isfinite(probs))
    assert np.all((probs >= 0) & (probs <= 1))


@pytest.mark.parametrize("kind", synthetic.MANIPULATED_KINDS)
def test_manipulated_crops_score_higher_than_authentic_ones(session, spec, kind):
    real = _scores(session, spec, _crops("face"))
    fake = _scores(session, spec, _crops(kind))
    assert fake.mean() > real.mean()
