"""`manage.py evaluate_detector`: scores a labelled set through the worker's pipeline, prints
one JSON line, and with --record stores it on the model's validation status."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from detection.evaluation import expected_calibration_error, roc_auc
from detection.registry import register_model
from detection.synthetic import write_evaluation_set
from detection.validation import validation_status
from tests.detection.conftest import build_onnx
from tests.detection.test_tasks import manifest

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated_set(tmp_path_factory):
    return write_evaluation_set(tmp_path_factory.mktemp("evalset"), per_kind=2, seconds=1.0)


@pytest.fixture
def model(tmp_path):
    return register_model(build_onnx(tmp_path / "tiny.onnx"), manifest("1"), activate=True)


def run(*args) -> dict:
    out = io.StringIO()
    call_command("evaluate_detector", *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_prints_the_figures_on_a_generated_set(model, generated_set):
    result = run(str(generated_set))
    assert result["model"] == "tiny v1"
    assert (result["items"], result["fake"], result["real"]) == (10, 6, 4)
    # The scenery clips have no face: listed apart, never scored.
    assert result["no_face"]["count"] == 2
    assert all(f.startswith("real/noface/") for f in result["no_face"]["files"])
    assert result["scored"] == 8
    assert 0.0 <= result["auc"] <= 1.0
    low, high = result["auc_ci"]
    assert low <= result["auc"] <= high
    assert result["tpr"] is not None and result["fpr"] is not None
    assert 0.0 <= result["ece"] <= 1.0
    assert result["per_kind"]["noface"] == {
        "class": "real",
        "items": 2,
        "scored": 0,
        "no_face": 2,
        "mean_score": None,
    }
    assert result["per_kind"]["face_paste"]["scored"] == 2
    assert "recorded" not in result
    model.refresh_from_db()
    assert model.validation == {}


def test_record_stores_it_on_the_validation_status(model, generated_set):
    result = run(str(generated_set), "--model", "tiny", "1", "--record", "--data", "synthetic")
    assert result["recorded"] is True
    model.refresh_from_db()
    [evaluation] = model.validation["evaluations"]
    assert evaluation["data"] == "synthetic" and evaluation["items"] == 10
    assert evaluation["figures"]["auc"] == result["auc"]
    assert evaluation["kinds"]["noface"] == 2
    status = validation_status(model.validation)
    assert status.data == "synthetic" and not status.trusted_on_real


def test_csv_manifest_and_refusals(model, generated_set, tmp_path):
    manifest_path = generated_set / "set.csv"
    with manifest_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "class", "kind"])
        writer.writerow(["fake/face_paste/face_paste-0.mp4", "fake", "paste"])
        writer.writerow(["real/face/face-0.mp4", "real", "camera"])
    result = run(str(manifest_path))
    assert result["items"] == 2 and set(result["per_kind"]) == {"paste", "camera"}
    with pytest.raises(CommandError, match="--data"):
        run(str(generated_set), "--record")
    with pytest.raises(CommandError, match="fake/ and real/"):
        run(str(tmp_path))
    bad = tmp_path / "bad.csv"
    bad.write_text("file,class\nx.mp4,maybe\n")
    with pytest.raises(CommandError, match="fake or real"):
        run(str(bad))


def test_metrics_on_known_values():
    assert roc_auc([True, True, False, False], [0.9, 0.8, 0.2, 0.1]) == 1.0
    assert roc_auc([True, False], [0.5, 0.5]) == 0.5
    assert roc_auc([True, True], [0.5, 0.4]) is None
    assert expected_calibration_error([True, False], [1.0, 0.0]) == 0.0
    assert expected_calibration_error([False, False], [0.95, 0.95]) == pytest.approx(0.95)
