"""Load on the production stack: gunicorn, PostgreSQL, Redis, a Celery worker, all on 127.0.0.1.

N simulated moderators (default 20) each log in to the desk and loop: open the queue page, take
the next clip through the API, decide it; meanwhile an integration uploads a clip every half
second. Each moderator looks at a clip for about --think seconds (default 3) before deciding.
Bounded in time (default 30 s). Prints one JSON line: requests per second, p50/p95/p99
latency per endpoint, and the error count. Target: no errors, queue p95 under 200 ms at 20.

    .venv/bin/python bench/load.py [--moderators 20] [--seconds 30] [--clips 3000]
"""

import argparse
import http.cookiejar
import json
import os
import random
import re
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path
from urllib.error import HTTPError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import free_port  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "load-test passphrase 1234"  # noqa: S105

SEED = """
import hashlib
from dashboard.models import Clip
from dashboard.constants import ClipStatus
n = {clips}
Clip.objects.bulk_create(
    Clip(
        sha256=hashlib.sha256(f"load-{{i}}".encode()).hexdigest(),
        file=f"clips/load/{{i}}.mp4", size_bytes=1000, width=320, height=240, fps=25,
        duration_s=2, frame_count=50, status=ClipStatus.AWAITING_REVIEW,
        score=(i % 100) / 100, priority=(i % 100), platform=("ShortVid", "ClipShare")[i % 2],
    )
    for i in range(n)
)
print(Clip.objects.count())
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []

    def record(self, name: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latency[name].append(seconds * 1000)
            if not ok:
                self.errors[name] += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(f"{name}: {detail}"[:300])


def timed(stats: Stats, name: str, opener, request, ok_codes=(200,)):
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=30) as response:
            body = response.read()
            code = response.status
    except HTTPError as exc:
        body, code = exc.read(), exc.code
    except OSError as exc:
        stats.record(name, time.perf_counter() - started, False, repr(exc))
        return None, None
    stats.record(name, time.perf_counter() - started, code in ok_codes, f"{code} {body[:200]!r}")
    return code, body


def login(base: str, username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": base}))
    return opener


def moderator_loop(
    opener: urllib.request.OpenerDirector,
    api_token: str,
    stats: Stats,
    stop: float,
    think_s: float,
    base: str,
) -> None:
    # Moderators do not all start at the same instant.
    time.sleep(random.uniform(0, think_s))
    api = urllib.request.build_opener()
    headers = {"Authorization": f"Token {api_token}", "Content-Type": "application/json"}
    while time.monotonic() < stop:
        timed(stats, "queue_page", opener, f"{base}/")
        timed(
            stats,
            "api_list",
            api,
            urllib.request.Request(f"{base}/api/v1/clips/?status=awaiting_review", headers=headers),
        )
        code, body = timed(
            stats,
            "api_next",
            api,
            urllib.request.Request(
                f"{base}/api/v1/clips/next/", data=b"{}", headers=headers, method="POST"
            ),
            ok_codes=(200, 204),
        )
        if code == 200:
            clip_id = json.loads(body)["id"]
            # Watching the clip before deciding: a person, not a tight loop.
            time.sleep(random.uniform(0.5, 1.5) * think_s)
            timed(
                stats,
                "api_decision",
                api,
                urllib.request.Request(
                    f"{base}/api/v1/clips/{clip_id}/decision/",
                    data=json.dumps({"action": "approve", "note": "load"}).encode(),
                    headers=headers,
                    method="POST",
                ),
                ok_codes=(201,),
            )


def uploader_loop(base: str, api_token: str, clip: bytes, stats: Stats, stop: float) -> None:
    api = urllib.request.build_opener()
    n = 0
    while time.monotonic() < stop:
        n += 1
        # A unique trailing `free` box makes every upload new bytes to the desk.
        data = clip + struct.pack(">I", 16) + b"free" + struct.pack(">Q", n) + os.urandom(0)
        boundary = f"load{n}"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="u{n}.mp4"\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        timed(
            stats,
            "api_upload",
            api,
            urllib.request.Request(
                f"{base}/api/v1/clips/",
                data=body,
                method="POST",
                headers={
                    "Authorization": f"Token {api_token}",
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                },
            ),
            ok_codes=(201,),
        )
        time.sleep(0.5)


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moderators", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clips", type=int, default=3000)
    parser.add_argument(
        "--think", type=float, default=3.0, help="mean seconds a moderator looks at a clip"
    )
    args = parser.parse_args()

    services = subprocess.run(
        [str(ROOT / "scripts" / "services"), "start"], check=True, capture_output=True, text=True
    ).stdout
    svc = dict(re.findall(r"export (\w+)=(\S+)", services))
    var = Path(svc["UNMASK_SERVICES_DIR"]) / "var"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": svc["UNMASK_PG_URL"],
        "CELERY_BROKER_URL": svc["REDIS_URL"],
        "UNMASK_CACHE_URL": svc["REDIS_URL"].rsplit("/", 1)[0] + "/1",
        "UNMASK_VAR_DIR": str(var),
        "STATIC_ROOT": str(var / "static"),
        "SECRET_KEY": "load-bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "false",
        "SECURE_COOKIES": "false",
        "UNMASK_API_RATE_TOKEN": "1000000/minute",
        # A capacity bench: the integration uploads twice a second, beyond the default quota.
        "UNMASK_UPLOAD_QUOTA_PER_MINUTE": "0",
        "UNMASK_FIELD_KEY": "cWm1tq0Pc0bWvWEm4D9qF4m0T9l1m3oQ3l0yQXo1S0M=",
        "UNMASK_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "3",
        "LOG_LEVEL": "WARNING",
    }
    procs: list[subprocess.Popen] = []

    def manage(*cmd: str) -> str:
        result = subprocess.run(
            [PY, "manage.py", *cmd], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {cmd[0]} failed:\n{result.stderr[-2000:]}")
        return result.stdout

    try:
        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput")
        manage("seed_demo", "--clips", "0")
        manage("shell", "-c", SEED.format(clips=args.clips))
        tokens = []
        for i in range(args.moderators):
            manage("add_moderator", f"mod{i}", "--role", "moderator", "--password", PASSWORD)
            tokens.append(manage("create_api_token", f"mod{i}").strip().splitlines()[-1])
        manage("add_moderator", "feed", "--role", "reporter", "--no-password")
        feed_token = manage("create_api_token", "feed").strip().splitlines()[-1]
        log = open(var / "load.log", "ab")  # noqa: SIM115 - closed with the processes
        procs.append(
            subprocess.Popen(
                [str(ROOT / ".venv/bin/gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        )
        procs.append(
            subprocess.Popen(
                [
                    # On one machine the scoring worker yields the CPU to the web processes;
                    # in production it runs on machines of its own.
                    "nice",
                    "-n",
                    "10",
                    str(ROOT / ".venv/bin/celery"),
                    "-A",
                    "config",
                    "worker",
                    "--concurrency=1",
                    "--loglevel=WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        clip_path = var / "upload.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=25:duration=2",
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                str(clip_path),
            ],
            check=True,
        )
        clip = clip_path.read_bytes()
        stats = Stats()
        # Logged in before the clock starts: a login hashes a password on purpose (slowly).
        openers = [login(base, f"mod{i}") for i in range(args.moderators)]
        stop = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(
                target=moderator_loop,
                args=(openers[i], tokens[i], stats, stop, args.think, base),
            )
            for i in range(args.moderators)
        ]
        threads.append(
            threading.Thread(target=uploader_loop, args=(base, feed_token, clip, stats, stop))
        )
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + 60)
        elapsed = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(
            [str(ROOT / "scripts" / "services"), "stop", svc["UNMASK_SERVICES_DIR"]], check=False
        )

    total = sum(len(v) for v in stats.latency.values())
    endpoints = {
        name: {
            "count": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "errors": stats.errors.get(name, 0),
        }
        for name, values in sorted(stats.latency.items())
    }
    return {
        "moderators": args.moderators,
        "think_s": args.think,
        "seconds": round(elapsed, 1),
        "requests": total,
        "rps": round(total / elapsed, 1),
        "errors": sum(stats.errors.values()),
        "error_samples": stats.error_samples,
        "queue_p95_ms": endpoints.get("queue_page", {}).get("p95_ms"),
        "endpoints": endpoints,
        "target": {"errors": 0, "queue_p95_ms": 200},
    }


if __name__ == "__main__":
    print(json.dumps(main()))
