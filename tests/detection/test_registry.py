"""The model registry: a bad model file is refused with nothing saved; one model is active."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from dashboard.constants import ClipStatus
from detection.models import DetectionRun, DetectorModel
from detection.registry import (
    Manifest,
    RegistryError,
    activate_model,
    register_model,
)
from detection.tasks import run_scoring
from tests.detection.conftest import SPEC, build_onnx
from tests.detection.test_tasks import ingest

pytestmark = pytest.mark.django_db


def manifest(version: str = "1", **extra) -> Manifest:
    return Manifest.from_dict({"name": "tiny", "version": version, **SPEC, **extra})


def stored_models(media_root: Path) -> list[Path]:
    return list((media_root / "detectors").glob("*")) if (media_root / "detectors").exists() else []


def text_file(tmp: Path) -> Path:
    path = tmp / "text.onnx"
    path.write_text("not a model")
    return path


@pytest.mark.parametrize(
    "make_bad",
    [
        text_file,
        lambda tmp: build_onnx(tmp / "shape.onnx", input_shape=("N", 3, 64, 64)),
        lambda tmp: build_onnx(tmp / "name.onnx", input_name="pixels"),
        lambda tmp: build_onnx(tmp / "nan.onnx", poison="nan"),
        lambda tmp: build_onnx(tmp / "logit.onnx", poison="logit"),
    ],
    ids=["not-onnx", "wrong-input-size", "wrong-input-name", "nan-output", "out-of-range"],
)
def test_bad_model_files_are_refused_and_nothing_is_saved(tmp_path, isolated_media, make_bad):
    bad = make_bad(tmp_path)
    with pytest.raises(RegistryError) as refused:
        register_model(bad, manifest())
    assert str(refused.value)
    assert DetectorModel.objects.count() == 0
    assert stored_models(isolated_media) == []


def test_malformed_manifest_is_refused():
    with pytest.raises(RegistryError):
        Manifest.from_dict({"name": "x"})
    with pytest.raises(RegistryError):
        Manifest.from_dict({"name": "x", "version": "1", "threshold": 3, **SPEC})


def test_exactly_one_active_model(tmp_path):
    first = register_model(build_onnx(tmp_path / "a.onnx"), manifest("1"), activate=True)
    second = register_model(build_onnx(tmp_path / "b.onnx", weights=(0.1, 0.2, 0.3)), manifest("2"))
    activate_model(second)
    first.refresh_from_db()
    assert not first.is_active
    assert list(DetectorModel.objects.filter(is_active=True)) == [second]
    first.is_active = True
    with pytest.raises(IntegrityError):
        first.save()


def test_same_file_or_version_twice_is_refused(tmp_path):
    path = build_onnx(tmp_path / "a.onnx")
    register_model(path, manifest("1"))
    with pytest.raises(RegistryError):
        register_model(path, manifest("2"))
    with pytest.raises(RegistryError):
        register_model(build_onnx(tmp_path / "b.onnx", weights=(1, 1, 1)), manifest("1"))


def test_register_and_rescore_commands(tmp_path, face_clip, capsys):
    path = build_onnx(tmp_path / "tiny-1.onnx")
    (tmp_path / "tiny-1.json").write_text(
        '{"name": "tiny", "version": "1", "threshold": 0.4, '
        '"input": {"name": "input", "size": [112, 112], "color_order": "RGB", "layout": "NCHW",'
        ' "scale": 0.00392156862745098, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]},'
        ' "output": {"name": "prob", "index": 0, "meaning": "p(manipulated)"}}'
    )
    call_command("register_model", str(tmp_path / "tiny-1.json"), "--activate")
    assert DetectorModel.objects.get().threshold == 0.4
    clip = ingest(face_clip)
    run_scoring(clip.pk)

    build_onnx(tmp_path / "tiny-2.onnx", weights=(0.3, 0.3, -2.0))
    (tmp_path / "tiny-2.json").write_text(
        (tmp_path / "tiny-1.json").read_text().replace('"version": "1"', '"version": "2"')
    )
    call_command("register_model", str(tmp_path / "tiny-2.json"))
    call_command("activate_model", "tiny", "2")
    call_command("rescore", "--status", ClipStatus.AWAITING_REVIEW)
    assert DetectionRun.objects.filter(clip=clip).count() == 2
    call_command("rescore")  # nothing left to do
    assert "0 clips to score" in capsys.readouterr().out
    assert path.exists()

    with pytest.raises(CommandError):
        call_command("register_model", str(tmp_path / "missing.json"))
    with pytest.raises(CommandError):
        call_command("rescore", "--since", "last tuesday")
