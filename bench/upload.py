"""Upload a 200 MB clip through the API and measure the server's peak memory growth.

Prints one JSON line: upload_mb, seconds, mb_per_s, rss_before_mb, rss_peak_mb, rss_growth_mb,
status. The clip is a real MP4 (a generated clip, moov first) followed by a 200 MB `free` box,
which MP4 readers skip, so the server validates and stores it like any large clip.
Target: rss_growth_mb under 50.
"""

import http.client
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from bench._server import BenchServer  # noqa: E402

CHUNK = 1024 * 1024


def build_large_mp4(path: Path, total_mb: int, seed: int) -> Path:
    small = path.with_suffix(".small.mp4")
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x360:rate=25:duration=4",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(small),
        ],
        check=True,
    )
    data = small.read_bytes()
    padding = total_mb * CHUNK - len(data) - 8
    with path.open("wb") as fh:
        fh.write(data)
        fh.write(struct.pack(">I", padding + 8) + b"free")
        fh.write(seed.to_bytes(8, "big"))
        zeros = bytes(CHUNK)
        left = padding - 8
        while left > 0:
            fh.write(zeros[: min(CHUNK, left)])
            left -= CHUNK
    small.unlink()
    return path


def multipart(path: Path, boundary: str) -> tuple[int, Iterator[bytes]]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="platform"\r\n\r\nbench\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + path.stat().st_size + len(tail)

    def body() -> Iterator[bytes]:
        yield head
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
        yield tail

    return length, body()


def post(port: int, token: str, path: Path) -> tuple[int, dict]:
    boundary = "unmaskbench" + os.urandom(8).hex()
    length, body = multipart(path, boundary)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", "/api/v1/clips/")
    conn.putheader("Authorization", f"Token {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    for chunk in body:
        conn.send(chunk)
    response = conn.getresponse()
    payload = json.loads(response.read() or b"{}")
    conn.close()
    return response.status, payload


class PeakRss(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak = self.proc.memory_info().rss
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)


def main(upload_mb: int = 200) -> dict:
    with tempfile.TemporaryDirectory(prefix="unmask-upload-") as tmp, BenchServer() as server:
        server.manage("add_moderator", "feed", "--role", "reporter", "--no-password")
        token = server.manage("create_api_token", "feed").strip().splitlines()[-1]
        warm = build_large_mp4(Path(tmp) / "warm.mp4", 4, seed=1)
        status, _ = post(server.port, token, warm)  # warm imports, caches and the DB
        assert status == 201, status
        big = build_large_mp4(Path(tmp) / "big.mp4", upload_mb, seed=2)
        size = big.stat().st_size
        proc = psutil.Process(server.proc.pid)
        before = proc.memory_info().rss
        sampler = PeakRss(server.proc.pid)
        sampler.start()
        started = time.perf_counter()
        status, body = post(server.port, token, big)
        seconds = time.perf_counter() - started
        sampler.running = False
        sampler.join()
    mb = 1024 * 1024
    return {
        "upload_mb": round(size / mb, 1),
        "status": status,
        "created": body.get("created"),
        "seconds": round(seconds, 2),
        "mb_per_s": round(size / mb / seconds, 1),
        "rss_before_mb": round(before / mb, 1),
        "rss_peak_mb": round(sampler.peak / mb, 1),
        "rss_growth_mb": round((sampler.peak - before) / mb, 1),
        "target_rss_growth_mb": 50,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)))
