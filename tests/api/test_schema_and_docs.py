"""The OpenAPI schema validates; the docs page serves Swagger UI from our own static files."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_and_documents_errors(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    decision = schema["paths"]["/api/v1/clips/{public_id}/decision/"]["post"]
    assert {"201", "400", "401", "403", "404", "409", "422", "429"} <= set(decision["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in decision["parameters"])
    upload = schema["paths"]["/api/v1/clips/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"413", "415"} <= set(upload["responses"])
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_schema_documents_appeal_review_and_reach(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    review = schema["paths"]["/api/v1/appeals/{id}/review/"]["post"]
    assert {"200", "400", "403", "404", "409", "429"} <= set(review["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in review["parameters"])
    assert {"get"} == set(schema["paths"]["/api/v1/appeals/{id}/"])
    components = schema["components"]["schemas"]
    assert components["AppealReviewRequestRequest"]["required"] == ["outcome"]
    reach = components["ClipSubmissionRequest"]["properties"]["reach"]
    assert (reach["type"], reach["minimum"], reach["maximum"]) == ("integer", 0, 10**12)
    assert reach["nullable"] is True
    assert components["ClipDetail"]["properties"]["reach"]["nullable"] is True


def test_schema_generation_has_no_warnings(capsys):
    SchemaGenerator().get_schema(request=None, public=True)
    captured = capsys.readouterr()
    assert "Warning" not in captured.err and "Error" not in captured.err


def test_docs_are_served_locally(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"(src|href)=\"https?://", html), "no CDN assets"
    assets = re.findall(r"(?:src|href)=\"/static/([^\"]+)\"", html)
    assert any("swagger-ui-bundle.js" in a for a in assets)
    for asset in assets:
        assert finders.find(asset), f"{asset} is not in our static files"
    script = re.search(r"<script src=\"([^\"]*script[^\"]*)\"", html).group(1)
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200 and b"SwaggerUIBundle" in init.content
    assert client.get("/api/redoc/").status_code == 404  # one docs UI: Swagger
