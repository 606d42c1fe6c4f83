"""Train, calibrate, measure and export the baseline face-crop classifier.

This module owns the baseline model's recipe and its release files: it generates the
training, calibration and held-out splits (``dataset.py``), trains a small CNN on CPU,
fits a temperature on the calibration split, picks the decision threshold there, measures
the held-out split once, exports ONNX with the temperature and sigmoid baked in, checks
the export with onnxruntime, and writes ``baseline-v1.onnx``, ``baseline-v1.json`` and
``MODEL_CARD-baseline-v1.md``.

    .venv/bin/python -m detection.training.train --out detection/models

The model contract (others code against it): input ``input`` float32 [N, 3, 112, 112],
NCHW, RGB, ``pixel / 255`` then ``(x - 0.5) / 0.5``; output ``prob`` [N, 1], the
probability that the crop is manipulated.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import torch
from torch import nn

from detection import synthetic
from detection.frames import read_every_frame
from detection.training import dataset

MODEL_NAME = "unmask-baseline"
MODEL_VERSION = "1"
FILE_STEM = "baseline-v1"
INPUT_NAME = "input"
OUTPUT_NAME = "prob"
MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)
ECE_BINS = 10

# Split seeds: disjoint seed ranges keep scenes, camera paths and manipulation draws of
# the calibration and held-out splits out of training.
TRAIN_SEED = 1001
CALIBRATION_SEED = 2002
HELDOUT_SEED = 3003
# Seeds for the whole-clip check; none of the splits draws these clips.
CLIP_CHECK_SEEDS = tuple(range(900_000, 900_006))


def _conv_block(channels_in: int, channels_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(inplace=True),
    )


class BaselineNet(nn.Module):
    """A plain VGG-style CNN that returns one logit per crop.

    The first layer keeps full resolution: the evidence (sensor noise or its absence,
    resampling blur, a stride-2 checkerboard, blending seams) lives in the finest pixels,
    and an early stride would average it away.
    """

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            _conv_block(3, 16, 1),
            _conv_block(16, 24, 2),
            _conv_block(24, 24, 1),
            _conv_block(24, 48, 2),
            _conv_block(48, 48, 1),
            _conv_block(48, 96, 2),
            _conv_block(96, 96, 1),
            _conv_block(96, 128, 2),
        )
        self.dropout = nn.Dropout(0.2)
        self.head = nn.Linear(256, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.features(x)
        # Max pooling lets a local artefact (a seam, one patch of frozen grain) count
        # even when most of the crop looks clean.
        pooled = torch.cat([features.mean(dim=(2, 3)), features.amax(dim=(2, 3))], dim=1)
        return self.head(self.dropout(pooled))


class CalibratedProbability(nn.Module):
    """The exported graph: logit divided by the fitted temperature, then sigmoid."""

    def __init__(self, net: BaselineNet, temperature: float) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("inverse_temperature", torch.tensor(1.0 / temperature))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(x) * self.inverse_temperature)


def to_model_input(images_rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 [N, H, W, 3] to the contract's normalised float32 NCHW batch."""
    x = images_rgb.astype(np.float32) / 255.0
    x = (x - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


# --- metrics, in numpy so the runtime side can reproduce them without torch ---------------


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve via the Mann-Whitney rank statistic (ties count half)."""
    labels = np.asarray(labels).astype(bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs both classes")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = np.asarray(scores)[order]
    ranks = np.empty(len(scores), dtype=np.float64)
    # Average ranks over runs of equal scores.
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(scores)]])
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def reliability(labels: np.ndarray, probs: np.ndarray, n_bins: int = ECE_BINS) -> dict:
    """Expected calibration error and equal-width reliability bins of P(manipulated)."""
    labels = np.asarray(labels, dtype=np.float64)
    probs = np.asarray(probs, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.digitize(probs, edges[1:-1]), 0, n_bins - 1)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        members = index == b
        count = int(members.sum())
        entry = {"lower": round(float(edges[b]), 2), "upper": round(float(edges[b + 1]), 2)}
        entry["count"] = count
        if count:
            confidence = float(probs[members].mean())
            observed = float(labels[members].mean())
            ece += count / len(probs) * abs(confidence - observed)
            entry["mean_predicted"] = round(confidence, 4)
            entry["fraction_manipulated"] = round(observed, 4)
        else:
            entry["mean_predicted"] = None
            entry["fraction_manipulated"] = None
        bins.append(entry)
    return {"ece": float(ece), "bins": bins}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def fit_temperature(labels: np.ndarray, logits: np.ndarray) -> float:
    """Temperature minimising the binary cross-entropy of sigmoid(logit / T)."""
    labels = np.asarray(labels, dtype=np.float64)
    logits = np.asarray(logits, dtype=np.float64)

    def nll(temperature: float) -> float:
        z = logits / temperature
        # log(1 + e^-|z|) form stays finite for large logits.
        return float(np.mean(np.maximum(z, 0) - z * labels + np.log1p(np.exp(-np.abs(z)))))

    grid = np.exp(np.linspace(math.log(0.05), math.log(20.0), 400))
    best = min(grid, key=nll)
    # Refine around the best grid point.
    fine = np.linspace(best * 0.97, best * 1.03, 61)
    return float(min(fine, key=nll))


def balanced_accuracy_threshold(labels: np.ndarray, probs: np.ndarray) -> float:
    """Threshold that maximises balanced accuracy (mean of the two class recalls)."""
    labels = np.asarray(labels).astype(bool)
    candidates = np.unique(np.round(probs, 3))
    best_threshold, best_score = 0.5, -1.0
    for threshold in candidates:
        flagged = probs >= threshold
        score = (flagged[labels].mean() + (~flagged[~labels]).mean()) / 2
        if score > best_score:
            best_threshold, best_score = float(threshold), float(score)
    return best_threshold


# --- training --------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainConfig:
    train_clips: int
    calibration_clips: int
    heldout_clips: int
    crops_per_clip: int
    epochs: int
    batch_size: int
    learning_rate: float
    workers: int
    torch_seed: int
    max_train_seconds: float


def _logits(net: BaselineNet, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    net.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            batch = torch.from_numpy(to_model_input(images[start : start + batch_size]))
            out.append(net(batch).squeeze(1).numpy())
    return np.concatenate(out).astype(np.float64)


def _learning_rate(step: int, total_steps: int, peak: float) -> float:
    """Linear warm-up over the first 10% of steps, then cosine decay to zero."""
    warmup = max(1, total_steps // 10)
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total_steps - warmup)
    return 0.5 * peak * (1 + math.cos(math.pi * min(1.0, progress)))


def train_net(train: dataset.CropSet, config: TrainConfig) -> tuple[BaselineNet, dict]:
    """Train with a step budget that shrinks if the machine is slower than planned.

    The cosine schedule is re-planned after every epoch from the measured step time, so
    a run that hits the time budget still ends with a fully decayed learning rate rather
    than being cut off at full speed.
    """
    torch.manual_seed(config.torch_seed)
    rng = np.random.default_rng(config.torch_seed)
    net = BaselineNet()
    optimiser = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total_steps = config.epochs * steps_per_epoch
    loss_fn = nn.BCEWithLogitsLoss()
    labels = torch.from_numpy(train.labels.astype(np.float32))
    started = time.perf_counter()
    history = []
    step = 0
    epoch = 0
    while step < total_steps:
        epoch += 1
        net.train()
        order = rng.permutation(len(train))
        total, seen = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            if step >= total_steps:
                break
            idx = order[start : start + config.batch_size]
            batch = train.images[idx]
            # A fresh flip per visit: the pipeline crops either way round.
            flips = rng.random(len(idx)) < 0.5
            batch[flips] = batch[flips, :, ::-1]
            x = torch.from_numpy(to_model_input(batch))
            for group in optimiser.param_groups:
                group["lr"] = _learning_rate(step, total_steps, config.learning_rate)
            loss = loss_fn(net(x).squeeze(1), labels[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            total += loss.item() * len(idx)
            seen += len(idx)
        elapsed = time.perf_counter() - started
        affordable = int(config.max_train_seconds / (elapsed / step))
        if affordable < total_steps:
            total_steps = max(step, affordable)
        history.append(
            {
                "epoch": epoch,
                "steps": step,
                "loss": round(total / seen, 4),
                "seconds": round(elapsed),
            }
        )
        print(
            f"epoch {epoch}: loss {total / seen:.4f}, step {step}/{total_steps} ({elapsed:.0f}s)",
            flush=True,
        )
    net.eval()
    seconds = round(time.perf_counter() - started, 1)
    return net, {"epochs": round(step / steps_per_epoch, 2), "history": history, "seconds": seconds}


# --- export and checks -----------------------------------------------------------------


def export_onnx(net: BaselineNet, temperature: float, path: Path) -> None:
    wrapped = CalibratedProbability(net, temperature).eval()
    dummy = torch.zeros(2, 3, dataset.CROP_SIZE, dataset.CROP_SIZE)
    torch.onnx.export(
        wrapped,
        (dummy,),
        str(path),
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def onnx_scores(session: ort.InferenceSession, images_rgb: np.ndarray) -> np.ndarray:
    out = []
    for start in range(0, len(images_rgb), 64):
        batch = to_model_input(images_rgb[start : start + 64])
        out.append(session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0][:, 0])
    return np.concatenate(out)


def check_export(
    session: ort.InferenceSession, reference: np.ndarray, expected: np.ndarray
) -> None:
    """The exported graph takes batches of 1 and 16 and agrees with torch."""
    inputs = session.get_inputs()
    outputs = session.get_outputs()
    if [i.name for i in inputs] != [INPUT_NAME] or [o.name for o in outputs] != [OUTPUT_NAME]:
        raise RuntimeError(f"unexpected graph signature: {inputs} -> {outputs}")
    for n in (1, 16):
        probs = session.run([OUTPUT_NAME], {INPUT_NAME: to_model_input(reference[:n])})[0]
        if probs.shape != (n, 1) or not np.all(np.isfinite(probs)):
            raise RuntimeError(f"batch of {n}: bad output {probs.shape}")
        if probs.min() < 0 or probs.max() > 1:
            raise RuntimeError(f"batch of {n}: output outside [0, 1]")
        if not np.allclose(probs[:, 0], expected[:n], atol=1e-4):
            raise RuntimeError(f"batch of {n}: onnxruntime disagrees with torch")


def pipeline_crop(frame_bgr: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The scoring pipeline's face crop: square, 25% margin, shifted inside, INTER_AREA."""
    height, width = frame_bgr.shape[:2]
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0) * 1.5
    side = max(1, min(round(side), height, width))
    left = min(max(0, round((x0 + x1) / 2 - side / 2)), width - side)
    top = min(max(0, round((y0 + y1) / 2 - side / 2)), height - side)
    crop = frame_bgr[top : top + side, left : left + side]
    size = (dataset.CROP_SIZE, dataset.CROP_SIZE)
    interpolation = cv2.INTER_AREA if side > dataset.CROP_SIZE else cv2.INTER_LINEAR
    return cv2.cvtColor(cv2.resize(crop, size, interpolation=interpolation), cv2.COLOR_BGR2RGB)


def clip_check(session: ort.InferenceSession, seeds: Sequence[int], frames: int = 10) -> dict:
    """Mean score per clip kind on pipeline-style crops of whole clips, raw and via MP4."""
    kinds = ("face", *synthetic.MANIPULATED_KINDS)
    result: dict[str, dict[str, float]] = {"frames": {}, "mp4": {}}
    with tempfile.TemporaryDirectory(prefix="unmask-check-") as tmp:
        for kind in kinds:
            raw_crops, mp4_crops = [], []
            for seed in seeds:
                pairs = list(synthetic.frames_with_face_box(frames, (640, 360), seed, kind))
                path = synthetic.write_clip(Path(tmp) / f"{kind}-{seed}.mp4", (f for f, _ in pairs))
                decoded = read_every_frame(path)  # as the scoring pipeline reads it
                for (frame, box), again in zip(pairs, decoded, strict=True):
                    raw_crops.append(pipeline_crop(frame, box))
                    mp4_crops.append(pipeline_crop(again, box))
            result["frames"][kind] = round(
                float(onnx_scores(session, np.stack(raw_crops)).mean()), 4
            )
            result["mp4"][kind] = round(float(onnx_scores(session, np.stack(mp4_crops)).mean()), 4)
    for source, means in result.items():
        for kind in synthetic.MANIPULATED_KINDS:
            if means[kind] <= means["face"]:
                raise RuntimeError(f"{source}: {kind} scores {means[kind]} <= face {means['face']}")
    return result


def per_kind_auc(split: dataset.CropSet, probs: np.ndarray) -> dict[str, float]:
    """AUC of each manipulation against all authentic crops of the split."""
    real = split.labels == dataset.LABEL_REAL
    out = {}
    for kind in synthetic.MANIPULATED_KINDS:
        members = real | (split.kinds == kind)
        out[kind] = round(roc_auc(split.labels[members], probs[members]), 4)
    return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- release files ---------------------------------------------------------------------


def write_model_card(path: Path, spec: dict, onnx_bytes: int) -> None:
    metrics = spec["metrics"]
    calibration = spec["calibration"]
    training = spec["training"]

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    rows = "\n".join(
        f"| {b['lower']:.1f}-{b['upper']:.1f} | {b['count']} | "
        f"{cell(b['mean_predicted'])} | {cell(b['fraction_manipulated'])} |"
        for b in calibration["bins"]
    )
    kind_auc = ", ".join(f"{k} {v:.3f}" for k, v in training["heldout_auc_by_kind"].items())
    check = training["clip_check"]
    check_rows = "\n".join(
        f"| {kind} | {check['frames'][kind]:.3f} | {check['mp4'][kind]:.3f} |"
        for kind in check["frames"]
    )
    path.write_text(
        f"""# Model card: {MODEL_NAME} v{MODEL_VERSION} (`{FILE_STEM}.onnx`)

**This is a baseline. It was trained only on synthetic data and must be replaced by a
production model trained and validated on real material before Unmask is used for real
review decisions.** It exists so the review desk works end to end and has a known
reference point.

## What it does

Scores one face crop: the probability that the crop comes from a manipulated clip.
The scoring pipeline crops faces found by BlazeFace (a square around the box with a
25% margin; frames without a scorable face are not scored at all), runs this model
on each crop and aggregates per clip over frames with a face.

- Input `input`: float32 [N, 3, 112, 112], NCHW, RGB, `pixel / 255`, then
  `(x - 0.5) / 0.5` per channel.
- Output `prob`: float32 [N, 1], P(manipulated), after sigmoid (with the fitted
  temperature baked into the graph).
- Decision threshold: {spec["threshold"]:.3f} (maximises balanced accuracy on the
  calibration split).
- A CNN of {training["parameters"]:,} parameters; the ONNX file is {onnx_bytes / 1024:.0f} KiB.

## Training data

Entirely synthetic, generated by `detection/synthetic.py` from **one public-domain
photograph** (NASA's astronaut portrait shipped with scikit-image):

- authentic (label 0): simulated camera clips of the portrait (pan, zoom, slight head
  movement, lighting drift, fresh sensor noise every frame), and face-free scenery;
- manipulated (label 1): `animated_still` (a JPEG still animated by a mesh warp of the
  face and a slow zoom: frozen, resampled grain), `face_paste` (a recoloured, smoothed,
  slightly misaligned face pasted with Poisson blending), `synthetic` (quarter
  resolution brought up by stride-2 up-convolutions: checkerboard, no sensor noise).

Crops are cut like the pipeline's, with jittered margin and position, and randomised on
both classes alike: frame size, rotation, flip, colour, brightness, gamma, saturation,
blur, added noise, JPEG quality 35-95, and an MP4 (mp4v) round trip for half the clips.

Trained for {training["epochs"]} epochs in {training["train_seconds"]:.0f} s on two CPU cores
(generating the splits took {training["data_seconds"]:.0f} s). Splits come from disjoint
seeds: training {training["train_crops"]} crops ({training["train_clips"]} clips),
calibration {training["calibration_crops"]} crops, held-out {metrics["heldout_n"]} crops
({training["heldout_clips"]} clips).

## Measured on the held-out split (by `detection/training/train.py`)

- ROC AUC: **{metrics["heldout_auc"]:.4f}** (by manipulation against all authentic
  crops: {kind_auc})
- Accuracy at the threshold: **{metrics["heldout_accuracy"]:.4f}**
- Calibration: temperature scaling, T = {calibration["temperature"]:.3f} fitted on the
  calibration split and baked into the graph; expected calibration error
  **{calibration["ece"]:.4f}** ({ECE_BINS} equal-width bins; before scaling
  {calibration["ece_before"]:.4f}).

| P(manipulated) | crops | mean predicted | fraction manipulated |
|---|---|---|---|
{rows}

Whole-clip check (640x360, seeds unseen in training, pipeline-style crops on the
ground-truth face box; mean score per kind, from frames and after an MP4 round trip):

| kind | frames | mp4 |
|---|---|---|
{check_rows}

## Intended use

Development, demos and tests of the Unmask review desk: a stand-in detector whose scores
move in the right direction on the synthetic clips. Scores are one signal for a human
reviewer, never a verdict.

## Limitations

- One identity, one photograph, one studio scene. Nothing here says how it behaves on
  other people, skin tones, ages, lighting, cameras or codecs; expect it to be wrong.
- The manipulations are simple procedural stand-ins for real deepfake methods
  (face-swap networks, diffusion, talking-head generators); real ones leave different
  and subtler traces. Held-out numbers are within the synthetic distribution only.
- It reads low-level pixel statistics (noise, resampling, blending). Heavy
  compression, denoising, re-filming a screen or upscaling can move scores either way.
- Calibration holds for the synthetic mix it was fitted on (half the crops
  manipulated), not for the base rate of real submissions.

Replace it with a production model, validated on real labelled material, before real use.
"""
    )


def build_release(out: Path, config: TrainConfig) -> dict:
    run_started = time.perf_counter()
    torch.set_num_threads(2)
    t0 = time.perf_counter()
    train = dataset.generate_split(
        TRAIN_SEED, config.train_clips, config.crops_per_clip, config.workers
    )
    calibration = dataset.generate_split(
        CALIBRATION_SEED, config.calibration_clips, config.crops_per_clip, config.workers
    )
    heldout = dataset.generate_split(
        HELDOUT_SEED, config.heldout_clips, config.crops_per_clip, config.workers
    )
    data_seconds = time.perf_counter() - t0
    print(
        f"data: train {len(train)}, calibration {len(calibration)}, held-out {len(heldout)} "
        f"crops in {data_seconds:.0f}s",
        flush=True,
    )

    net, run = train_net(train, config)

    calibration_logits = _logits(net, calibration.images)
    temperature = fit_temperature(calibration.labels, calibration_logits)
    threshold = balanced_accuracy_threshold(
        calibration.labels, _sigmoid(calibration_logits / temperature)
    )

    heldout_logits = _logits(net, heldout.images)
    heldout_probs = _sigmoid(heldout_logits / temperature)
    auc = roc_auc(heldout.labels, heldout_probs)
    accuracy = float(((heldout_probs >= threshold) == heldout.labels.astype(bool)).mean())
    calibrated = reliability(heldout.labels, heldout_probs)
    uncalibrated = reliability(heldout.labels, _sigmoid(heldout_logits))
    print(
        f"held-out: AUC {auc:.4f}, accuracy {accuracy:.4f} at {threshold:.3f}, "
        f"ECE {calibrated['ece']:.4f} (T={temperature:.3f}; before {uncalibrated['ece']:.4f})",
        flush=True,
    )

    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / f"{FILE_STEM}.onnx"
    export_onnx(net, temperature, onnx_path)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    check_export(session, heldout.images[:16], heldout_probs[:16])
    onnx_heldout = onnx_scores(session, heldout.images)
    if abs(roc_auc(heldout.labels, onnx_heldout) - auc) > 1e-3:
        raise RuntimeError("held-out AUC through onnxruntime differs from torch")
    check = clip_check(session, CLIP_CHECK_SEEDS)
    print(f"clip check: {check}", flush=True)

    spec = {
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "input": {
            "name": INPUT_NAME,
            "size": [dataset.CROP_SIZE, dataset.CROP_SIZE],
            "color_order": "RGB",
            "layout": "NCHW",
            "scale": 1 / 255,
            "mean": list(MEAN),
            "std": list(STD),
        },
        "output": {
            "name": OUTPUT_NAME,
            "index": 0,
            "meaning": "probability the face crop is manipulated",
        },
        "threshold": round(threshold, 4),
        "calibration": {
            "method": "temperature scaling (fitted on the calibration split, baked into the graph)",
            "temperature": round(temperature, 4),
            "ece": round(calibrated["ece"], 4),
            "ece_before": round(uncalibrated["ece"], 4),
            "bins": calibrated["bins"],
        },
        "metrics": {
            "heldout_auc": round(auc, 4),
            "heldout_accuracy": round(accuracy, 4),
            "heldout_n": len(heldout),
        },
        "sha256": sha256_of(onnx_path),
        "training": {
            "data": "synthetic: detection/synthetic.py from the public-domain astronaut portrait",
            "seeds": {
                "train": TRAIN_SEED,
                "calibration": CALIBRATION_SEED,
                "heldout": HELDOUT_SEED,
                "torch": config.torch_seed,
                "clip_check": list(CLIP_CHECK_SEEDS),
            },
            "train_clips": config.train_clips,
            "calibration_clips": config.calibration_clips,
            "heldout_clips": config.heldout_clips,
            "crops_per_clip": config.crops_per_clip,
            "train_crops": len(train),
            "calibration_crops": len(calibration),
            "parameters": sum(p.numel() for p in net.parameters()),
            "epochs": run["epochs"],
            "batch_size": config.batch_size,
            "learning_rate": config.learning_rate,
            "loss_history": run["history"],
            "train_seconds": run["seconds"],
            "data_seconds": round(data_seconds, 1),
            "total_seconds": round(time.perf_counter() - run_started, 1),
            "heldout_auc_by_kind": per_kind_auc(heldout, heldout_probs),
            "clip_check": check,
            "torch": torch.__version__,
            "opset": 17,
        },
    }
    (out / f"{FILE_STEM}.json").write_text(json.dumps(spec, indent=2) + "\n")
    write_model_card(out / f"MODEL_CARD-{FILE_STEM}.md", spec, onnx_path.stat().st_size)
    return spec


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("detection/models"))
    parser.add_argument("--train-clips", type=int, default=2000)
    parser.add_argument("--calibration-clips", type=int, default=300)
    parser.add_argument("--heldout-clips", type=int, default=600)
    parser.add_argument("--crops-per-clip", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-train-seconds", type=float, default=540.0)
    args = parser.parse_args(argv)
    config = TrainConfig(
        train_clips=args.train_clips,
        calibration_clips=args.calibration_clips,
        heldout_clips=args.heldout_clips,
        crops_per_clip=args.crops_per_clip,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        workers=args.workers,
        torch_seed=args.seed,
        max_train_seconds=args.max_train_seconds,
    )
    spec = build_release(args.out, config)
    print(json.dumps(spec["metrics"]), flush=True)


if __name__ == "__main__":
    main()
