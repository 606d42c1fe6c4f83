"""A scripted HTTP service on 127.0.0.1 for tests of outbound calls (webhooks, remote detection
providers): each test's handler class says what to answer; this owns the server's lifecycle."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], release: threading.Event) -> Iterator[int]:
    """Serve `handler` on a free loopback port (yielded) until the block ends; `release` is set
    first, so a handler told to hang lets go before the server shuts down."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        release.set()
        server.shutdown()
        server.server_close()
