"""A webhook receiver on 127.0.0.1 for the delivery tests: scripted answers, optional hang."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pytest

from integrations.constants import SUBSCRIBABLE_EVENTS
from integrations.models import WebhookEndpoint
from tests.loopback import serving


@pytest.fixture(autouse=True)
def receivers_on_loopback_allowed(settings):
    """The test receivers listen on 127.0.0.1: let the egress guard through, like an operator would
    for an on-premise receiver, instead of turning the guard off."""
    settings.UNMASK_EGRESS_ALLOW = ["127.0.0.1/32"]


@dataclass
class Receiver:
    url: str = ""
    # Status codes to answer, in order; 200 once the script runs out.
    script: list[int] = field(default_factory=list)
    hang: bool = False
    # What to answer in the body; None: "ok" for a success, "receiver trouble" otherwise.
    body: bytes | None = None
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append((dict(self.headers), body))
            if state.hang:
                state.release.wait(10)
                return
            status = state.script.pop(0) if state.script else 200
            if status in (301, 302):
                self.send_response(status)
                self.send_header("Location", "file:///etc/passwd")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = state.body or (b"ok" if status < 400 else b"receiver trouble")
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler, state.release) as port:
        state.url = f"http://127.0.0.1:{port}/hooks/unmask"
        yield state


@pytest.fixture
def endpoint(db, receiver) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        name="partner", url=receiver.url, events=[e.value for e in SUBSCRIBABLE_EVENTS]
    )
