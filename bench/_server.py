"""A throwaway Unmask server for benchmarks: its own var/ directory, SQLite, migrated."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchServer:
    """`manage.py runserver` on 127.0.0.1 with a fresh database; stopped on exit.

    Single-threaded by default (one request at a time, for steady timings); `threaded=True`
    serves as `make run` does, for a browser that loads a page's media beside its HTML."""

    def __init__(self, extra_env: dict[str, str] | None = None, *, threaded: bool = False) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="unmask-bench-")
        self.port = free_port()
        self.env = {
            **os.environ,
            "UNMASK_VAR_DIR": self.tmp.name,
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "DEBUG": "false",
            "SECURE_COOKIES": "false",
            "CELERY_BROKER_URL": "memory://",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "STATIC_ROOT": str(Path(self.tmp.name) / "static"),
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.threaded = threaded
        self.url = f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def __enter__(self) -> "BenchServer":
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.proc = subprocess.Popen(
            [
                PY,
                "manage.py",
                "runserver",
                "--noreload",
                *([] if self.threaded else ["--nothreading"]),
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urlopen(f"{self.url}/login/", timeout=1).read()
                return self
            except HTTPError as exc:
                raise RuntimeError(f"bench server answered {exc.code}") from exc
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("bench server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
        self.tmp.cleanup()
