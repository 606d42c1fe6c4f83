"""The detector model registry: validate, store, activate and shadow model versions.

A model file is checked in ONNX Runtime before anything is saved; a refused file leaves no row
and no stored file behind. Exactly one version is active at a time (a database constraint).
"""

import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from dashboard.errors import ServiceError
from dashboard.workflow import record_event
from detection.inference import ModelSpec, ModelValidationError, validate_model
from detection.models import DetectorModel
from detection.storage_io import cached_local_path

logger = logging.getLogger(__name__)

BASELINE_DIR = Path(__file__).resolve().parent / "models"
BASELINE_MANIFEST = BASELINE_DIR / "baseline-v1.json"


class RegistryError(ServiceError):
    """A model could not be registered (or switched); the message says why, for an operator.

    Always the code "model_refused": the message carries the detail.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__("model_refused", message, status)


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    input_spec: dict[str, Any]
    output_spec: dict[str, Any]
    threshold: float
    calibration: dict[str, Any]
    metrics: dict[str, Any]
    validation: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Manifest":
        try:
            threshold = float(data.get("threshold", 0.5))
            manifest = cls(
                name=str(data["name"])[:100],
                version=str(data["version"])[:50],
                input_spec=dict(data["input"]),
                output_spec=dict(data["output"]),
                threshold=threshold,
                calibration=dict(data.get("calibration") or {}),
                metrics=dict(data.get("metrics") or {}),
                validation=dict(data.get("validation") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RegistryError(f"The model manifest is incomplete or malformed: {exc}") from exc
        if not 0.0 <= manifest.threshold <= 1.0:
            raise RegistryError("The decision threshold must lie between 0 and 1.")
        return manifest


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def register_model(
    onnx_path: Path,
    manifest: Manifest,
    *,
    model_card: str = "",
    activate: bool = False,
    shadow: bool = False,
    actor: AbstractBaseUser | None = None,
) -> DetectorModel:
    """Validate `onnx_path` against the manifest and store it as a new model version."""
    onnx_path = Path(onnx_path)
    try:
        spec = ModelSpec.from_dict({"input": manifest.input_spec, "output": manifest.output_spec})
    except (KeyError, TypeError, ValueError) as exc:
        raise RegistryError(f"The input/output spec is malformed: {exc}") from exc
    try:
        validate_model(onnx_path, spec)
    except ModelValidationError as exc:
        raise RegistryError(str(exc)) from exc
    sha256 = file_sha256(onnx_path)
    if DetectorModel.objects.filter(sha256=sha256).exists():
        raise RegistryError("This model file is already registered.")
    if DetectorModel.objects.filter(name=manifest.name, version=manifest.version).exists():
        raise RegistryError(f"{manifest.name} v{manifest.version} is already registered.")

    with onnx_path.open("rb") as fh:
        stored_name = default_storage.save(
            f"detectors/{slugify(manifest.name)[:60] or 'model'}-{sha256[:12]}.onnx", File(fh)
        )
    try:
        with transaction.atomic():
            model = DetectorModel.objects.create(
                name=manifest.name,
                version=manifest.version,
                file=stored_name,
                sha256=sha256,
                input_spec=manifest.input_spec,
                output_spec=manifest.output_spec,
                threshold=manifest.threshold,
                calibration=manifest.calibration,
                metrics=manifest.metrics,
                validation=manifest.validation,
                model_card=model_card,
                is_shadow=shadow and not activate,
            )
            record_event(
                None,
                "detector.registered",
                actor=actor,
                actor_label="" if actor else "registry",
                data={"model": model.label, "sha256": sha256},
            )
            if activate:
                activate_model(model, actor=actor)
    except IntegrityError as exc:
        default_storage.delete(stored_name)
        raise RegistryError(f"The model could not be saved: {exc}") from exc
    except BaseException:
        default_storage.delete(stored_name)
        raise
    return model


def register_uploaded_model(uploaded: Any, manifest: Manifest, **kwargs: Any) -> DetectorModel:
    """Register a model from an uploaded file object (admin form, API)."""
    with tempfile.NamedTemporaryFile(suffix=".onnx") as tmp:
        for chunk in uploaded.chunks():
            tmp.write(chunk)
        tmp.flush()
        return register_model(Path(tmp.name), manifest, **kwargs)


def activate_model(model: DetectorModel, *, actor: AbstractBaseUser | None = None) -> DetectorModel:
    with transaction.atomic():
        previous = list(
            DetectorModel.objects.select_for_update().filter(is_active=True).exclude(pk=model.pk)
        )
        DetectorModel.objects.filter(pk__in=[m.pk for m in previous]).update(is_active=False)
        model.is_active = True
        model.is_shadow = False
        model.activated_at = timezone.now()
        model.save(update_fields=["is_active", "is_shadow", "activated_at"])
        record_event(
            None,
            "detector.activated",
            actor=actor,
            actor_label="" if actor else "registry",
            data={"model": model.label, "previous": [m.label for m in previous]},
        )
    return model


def set_shadow(
    model: DetectorModel, shadow: bool, *, actor: AbstractBaseUser | None = None
) -> None:
    if model.is_active and shadow:
        raise RegistryError("The active model cannot also be a shadow.", 409)
    model.is_shadow = shadow
    model.save(update_fields=["is_shadow"])
    record_event(
        None,
        "detector.shadow_on" if shadow else "detector.shadow_off",
        actor=actor,
        actor_label="" if actor else "registry",
        data={"model": model.label},
    )


def load_manifest(path: Path) -> Manifest:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise RegistryError(f"The manifest {path} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise RegistryError("The manifest must be a JSON object.")
    return Manifest.from_dict(data)


def ensure_baseline(activate_if_none: bool = True) -> DetectorModel:
    """Register the committed baseline model once; activate it when no model is active."""
    manifest = load_manifest(BASELINE_MANIFEST)
    onnx_path = BASELINE_MANIFEST.with_suffix(".onnx")
    sha256 = file_sha256(onnx_path)
    model = DetectorModel.objects.filter(sha256=sha256).first()
    if model is None:
        card = BASELINE_DIR / f"MODEL_CARD-{BASELINE_MANIFEST.stem}.md"
        model = register_model(
            onnx_path,
            manifest,
            model_card=card.read_text() if card.exists() else "",
        )
    if activate_if_none and not DetectorModel.objects.filter(is_active=True).exists():
        activate_model(model)
        model.refresh_from_db()
    return model


def model_local_path(model: DetectorModel) -> Path:
    return cached_local_path(
        default_storage, model.file.name, settings.VAR_DIR / "model-cache", model.sha256
    )
