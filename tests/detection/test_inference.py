"""The model contract: spec parsing, preprocessing, the cached session, validation."""

import copy

import numpy as np
import pytest

from detection import inference
from detection.inference import (
    Classifier,
    ModelOutputError,
    ModelSpec,
    ModelValidationError,
    file_sha256,
    get_classifier,
    preprocess,
    validate_model,
)


@pytest.fixture
def spec(model_spec) -> ModelSpec:
    return ModelSpec.from_dict(model_spec)


@pytest.fixture(autouse=True)
def _fresh_cache():
    inference.clear_classifier_cache()
    yield
    inference.clear_classifier_cache()


# --- ModelSpec -----------------------------------------------------------------------


def test_spec_from_dict(spec):
    assert spec.input_name == "input"
    assert spec.size == (112, 112)
    assert spec.color_order == "RGB"
    assert spec.layout == "NCHW"
    assert spec.scale == pytest.approx(1 / 255)
    assert spec.mean == (0.5, 0.5, 0.5)
    assert spec.std == (0.5, 0.5, 0.5)
    assert spec.output_name == "prob"
    assert spec.output_index == 0
    assert ModelSpec.from_dict(spec.to_dict()) == spec


def test_spec_accepts_per_channel_normalisation(model_spec):
    data = copy.deepcopy(model_spec)
    data["input"]["mean"] = [0.485, 0.456, 0.406]
    data["input"]["std"] = [0.229, 0.224, 0.225]
    spec = ModelSpec.from_dict(data)
    assert spec.mean == (0.485, 0.456, 0.406)


@pytest.mark.parametrize(
    "section,key,value",
    [
        ("input", "size", [112]),
        ("input", "size", "112x112"),
        ("input", "color_order", "YUV"),
        ("input", "layout", "NCWH"),
        ("input", "scale", 0),
        ("input", "std", [0.5, 0.0, 0.5]),
        ("input", "mean", [0.5, 0.5]),
        ("output", "index", -1),
    ],
)
def test_spec_rejects_malformed_fields(model_spec, section, key, value):
    data = copy.deepcopy(model_spec)
    data[section][key] = value
    with pytest.raises(ValueError):
        ModelSpec.from_dict(data)


def test_spec_missing_field_is_a_key_error(model_spec):
    data = copy.deepcopy(model_spec)
    del data["input"]["name"]
    with pytest.raises(KeyError):
        ModelSpec.from_dict(data)


# --- preprocessing -------------------------------------------------------------------


def test_preprocess_follows_colour_order_scale_and_layout(spec):
    red_bgr = np.zeros((112, 112, 3), np.uint8)
    red_bgr[..., 2] = 255
    tensor = preprocess([red_bgr, red_bgr], spec)
    assert tensor.shape == (2, 3, 112, 112)
    assert tensor.dtype == np.float32
    # RGB order, (x/255 - 0.5) / 0.5: red is +1, green and blue are -1.
    assert np.allclose(tensor[:, 0], 1.0)
    assert np.allclose(tensor[:, 1:], -1.0)


def test_preprocess_bgr_nhwc_and_resize(model_spec):
    data = copy.deepcopy(model_spec)
    data["input"].update(color_order="BGR", layout="NHWC", size=[64, 48], mean=0.0, std=1.0)
    spec = ModelSpec.from_dict(data)
    crop = np.zeros((112, 112, 3), np.uint8)
    crop[..., 0] = 51  # blue channel
    tensor = preprocess([crop], spec)
    assert tensor.shape == (1, 48, 64, 3)
    assert np.allclose(tensor[..., 0], 0.2)
    assert np.allclose(tensor[..., 1:], 0.0)


# --- Classifier ----------------------------------------------------------------------


def test_predict_scores_each_crop_in_a_batch(tiny_model, spec):
    classifier = Classifier(tiny_model, spec)
    rng = np.random.default_rng(0)
    crops = [rng.integers(0, 256, (112, 112, 3), dtype=np.uint8) for _ in range(5)]
    crops.append(np.full((80, 80, 3), (0, 0, 255), np.uint8))  # red, needs resizing
    batch = classifier.predict(crops)
    assert batch.shape == (6,)
    assert np.all((batch >= 0) & (batch <= 1))
    one_by_one = np.concatenate([classifier.predict([c]) for c in crops])
    assert np.allclose(batch, one_by_one, atol=1e-6)
    # The tiny model weighs red up and blue down: colour content changes the score.
    blue = classifier.predict([np.full((112, 112, 3), (255, 0, 0), np.uint8)])
    assert batch[-1] > 0.8 > 0.2 > blue[0]


def test_predict_empty_batch(tiny_model, spec):
    assert Classifier(tiny_model, spec).predict([]).shape == (0,)


def test_predict_refuses_non_probabilities(onnx_factory, spec):
    classifier = Classifier(onnx_factory(poison="logit"), spec)
    with pytest.raises(ModelOutputError):
        classifier.predict([np.full((112, 112, 3), (0, 0, 255), np.uint8)])


def test_get_classifier_caches_per_sha256(tiny_model, onnx_factory, model_spec):
    sha = file_sha256(tiny_model)
    first = get_classifier(tiny_model, model_spec, sha)
    assert get_classifier(tiny_model, model_spec, sha) is first
    other = onnx_factory("other.onnx", weights=(0.1, 0.2, 0.3))
    second = get_classifier(other, model_spec, file_sha256(other))
    assert second is not first
    assert get_classifier(tiny_model, model_spec, sha) is first


def test_get_classifier_refuses_a_changed_file(tiny_model, model_spec):
    with pytest.raises(ModelValidationError, match="SHA-256"):
        get_classifier(tiny_model, model_spec, "0" * 64)


# --- validate_model ------------------------------------------------------------------


def test_validate_accepts_a_good_model(tiny_model, spec):
    check = validate_model(tiny_model, spec)
    assert check.input_name == "input"
    assert check.input_shape == ["N", 3, 112, 112]
    assert check.output_shape == ["N", 1]
    assert len(check.probe_scores) == 3  # batches of 1 and 2
    assert all(0 <= s <= 1 for s in check.probe_scores)


def test_validate_accepts_a_dict_spec(tiny_model, model_spec):
    assert validate_model(tiny_model, model_spec).output_name == "prob"


def test_validate_refuses_a_non_onnx_file(tmp_path, spec):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"this is not a protobuf at all" * 50)
    with pytest.raises(ModelValidationError, match="does not load"):
        validate_model(path, spec)


def test_validate_refuses_a_missing_file(tmp_path, spec):
    with pytest.raises(ModelValidationError):
        validate_model(tmp_path / "gone.onnx", spec)


def test_validate_refuses_wrong_input_size(onnx_factory, spec):
    path = onnx_factory(input_shape=("N", 3, 64, 64))
    with pytest.raises(ModelValidationError, match="input height"):
        validate_model(path, spec)


def test_validate_refuses_wrong_channel_count(onnx_factory, spec):
    path = onnx_factory(input_shape=("N", 112, 112, 3))  # NHWC model, NCHW spec
    with pytest.raises(ModelValidationError, match="channel"):
        validate_model(path, spec)


def test_validate_refuses_wrong_rank(onnx_factory, spec):
    path = onnx_factory(input_shape=("N", 3, 112))
    with pytest.raises(ModelValidationError, match="rank 4"):
        validate_model(path, spec)


def test_validate_refuses_fixed_batch(onnx_factory, spec):
    path = onnx_factory(input_shape=(1, 3, 112, 112))
    with pytest.raises(ModelValidationError, match="batch"):
        validate_model(path, spec)


def test_validate_refuses_wrong_names(onnx_factory, spec):
    with pytest.raises(ModelValidationError, match="inputs"):
        validate_model(onnx_factory(input_name="pixels"), spec)
    with pytest.raises(ModelValidationError, match="no output"):
        validate_model(onnx_factory(output_name="logits"), spec)


def test_validate_refuses_nan_scores(onnx_factory, spec):
    with pytest.raises(ModelValidationError, match="not finite"):
        validate_model(onnx_factory(poison="nan"), spec)


def test_validate_refuses_scores_outside_0_1(onnx_factory, spec):
    with pytest.raises(ModelValidationError, match="probe batch of 1.*not probabilities"):
        validate_model(onnx_factory(poison="logit"), spec)


def test_validate_accepts_dynamic_spatial_size(onnx_factory, spec):
    path = onnx_factory(input_shape=("N", 3, "H", "W"))
    assert validate_model(path, spec).input_shape == ["N", 3, "H", "W"]
