"""Fixtures for the operations tests: an active detector model whose file is in storage."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from detection.models import DetectorModel


@pytest.fixture
def active_model(db) -> DetectorModel:
    name = default_storage.save("detectors/tiny.onnx", ContentFile(b"onnx"))
    return DetectorModel.objects.create(
        name="tiny",
        version="1",
        file=name,
        sha256="a" * 64,
        input_spec={"name": "input"},
        output_spec={"name": "prob"},
        is_active=True,
    )
