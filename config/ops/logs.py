"""Structured logs: a request id on every line, the clip id where a request or task is about one.

`RequestIdMiddleware` takes the caller's `X-Request-ID` (a proxy's or a client's, when it looks
like an id) or makes one, keeps it for the request in a context variable, answers it in the
`X-Request-ID` header and writes one `unmask.request` line when the request ends. Celery tasks
get their task id as request id and, when their first argument is `clip_id`, the clip id.
`ContextFilter` copies both onto every log record; `JsonFormatter` writes one JSON object per
line. UNMASK_LOG_FORMAT=json selects it (settings build LOGGING with `logging_config`).

Stdlib only at import time: the settings module imports `logging_config` from here.
"""

import contextvars
import inspect
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# view kwargs that name a clip in the desk's and the API's URLs
_CLIP_KWARGS = ("public_id", "clip_id")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
clip_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("clip_id", default="")

request_logger = logging.getLogger("unmask.request")

# Attributes every LogRecord has; anything else was passed in `extra=` and is logged too.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class ContextFilter(logging.Filter):
    """Puts the current request id and clip id on every record (empty outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        if not getattr(record, "clip_id", ""):
            record.clip_id = clip_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, clip_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
            "clip_id": str(getattr(record, "clip_id", "") or "") or None,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting: plain lines for people, or JSON lines for a log pipeline."""
    if log_format not in ("plain", "json"):
        raise ValueError(f"UNMASK_LOG_FORMAT={log_format!r}: use 'plain' or 'json'.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "config.ops.logs.ContextFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "config.ops.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # One line per request in JSON (a pipeline wants it); gunicorn's access log otherwise.
        "loggers": {"unmask.request": {"level": "INFO" if log_format == "json" else "WARNING"}},
    }


def _incoming_id(request: "HttpRequest") -> str:
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    return sent if _VALID_ID.match(sent) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so every later line of the request carries its id."""

    def __init__(self, get_response: Callable[["HttpRequest"], "HttpResponse"]) -> None:
        self.get_response = get_response

    def __call__(self, request: "HttpRequest") -> "HttpResponse":
        request_id = _incoming_id(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = request_id_var.set(request_id)
        clip_token = clip_id_var.set("")
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(id_token)
            clip_id_var.reset(clip_token)

    def process_view(
        self, request: "HttpRequest", view: Any, args: Any, kwargs: dict[str, Any]
    ) -> None:
        if "/clips/" in request.path:
            for name in (*_CLIP_KWARGS, "pk"):
                if kwargs.get(name):
                    clip_id_var.set(str(kwargs[name]))
                    break


def _task_context(
    task_id: str | None = None, task: Any = None, args: Any = None, **kw: Any
) -> None:
    request_id_var.set(task_id or "")
    clip_id = ""
    try:
        bound = inspect.signature(task.run).bind_partial(*(args or ()), **(kw.get("kwargs") or {}))
        clip_id = str(bound.arguments.get("clip_id", "") or "")
    except (TypeError, ValueError, AttributeError):
        pass
    clip_id_var.set(clip_id)


def _task_context_done(**_: Any) -> None:
    request_id_var.set("")
    clip_id_var.set("")


def connect_task_signals() -> None:
    from celery import signals  # stdlib-only at import: the settings module imports this one

    signals.task_prerun.connect(_task_context, weak=False, dispatch_uid="ops-logs-prerun")
    signals.task_postrun.connect(_task_context_done, weak=False, dispatch_uid="ops-logs-postrun")
