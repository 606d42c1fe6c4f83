"""Structured logs: JSON lines with the request id (from and to X-Request-ID) and the clip id."""

import io
import json
import logging
import logging.config

import pytest

from config.ops import logs
from dashboard.constants import ClipStatus
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The console handler of LOGGING as UNMASK_LOG_FORMAT=json builds it, into a buffer."""
    config = logs.logging_config("json", "INFO")
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    before = logging.getLogger().handlers[:]
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root = logging.getLogger()
    root.handlers[:] = before
    logging.getLogger("unmask.request").setLevel(logging.NOTSET)


def test_a_request_line_is_json_and_carries_the_callers_request_id(client, json_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response["X-Request-ID"] == "lb-7f3a.42"
    (line,) = [entry for entry in json_lines() if entry["logger"] == "unmask.request"]
    assert line["request_id"] == "lb-7f3a.42"
    assert line["level"] == "INFO" and line["message"] == "GET /healthz 200"
    assert line["status"] == 200 and line["path"] == "/healthz" and line["duration_ms"] >= 0
    assert line["ts"].endswith("+00:00")


def test_a_request_id_is_made_when_none_or_a_bad_one_is_sent(client, json_lines):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    refused = client.get("/healthz", HTTP_X_REQUEST_ID="x" * 500 + "\n")["X-Request-ID"]
    assert len(refused) == 32 and refused != made
    assert [e["request_id"] for e in json_lines()] == [made, refused]


def test_lines_logged_during_a_clip_request_carry_the_clip_id(client, moderator, json_lines):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    client.force_login(moderator)
    client.get(f"/clips/{clip.public_id}/", HTTP_X_REQUEST_ID="req-1")
    (line,) = [e for e in json_lines() if e["logger"] == "unmask.request"]
    assert line["clip_id"] == str(clip.public_id) and line["request_id"] == "req-1"


def test_task_lines_carry_the_task_id_and_clip_id(json_lines, active_model):
    from detection import tasks

    clip = ClipFactory(status=ClipStatus.APPROVED)
    logging.getLogger("detection.tasks").info("probe before")
    result = tasks.score_clip.apply(args=[clip.pk], task_id="task-123")
    assert result.successful()
    seen = [e for e in json_lines() if e["request_id"] == "task-123"]
    assert seen and all(e["clip_id"] == str(clip.pk) for e in seen)
    assert json_lines()[0]["request_id"] is None  # outside any request or task


def test_exceptions_are_one_line(json_lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("unmask.test").exception("it broke", extra={"clip_id": "c-9"})
    (line,) = json_lines()
    assert line["message"] == "it broke" and line["clip_id"] == "c-9"
    assert "ValueError: boom" in line["exception"]


def test_an_unknown_log_format_fails_loudly():
    with pytest.raises(ValueError, match="UNMASK_LOG_FORMAT"):
        logs.logging_config("xml", "INFO")
