"""A corpus of hostile uploads sent over real HTTP to the live server.

Each gets its documented answer — a 4xx with a code, or accepted and then scored — never a 5xx,
never an orphan file or row, and the server answers the next request.
"""

import json
import uuid
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from dashboard.models import Clip, Report
from dashboard.tokens import create_token
from detection.registry import Manifest, register_model
from detection.tasks import run_scoring
from tests import hostile
from tests.dashboard.test_ingest_api import stored_files
from tests.detection.conftest import SPEC, build_onnx


def post_upload(base: str, token: str, data: bytes, filename: str) -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = Request(
        f"{base}/api/v1/clips/",
        data=body,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        method="POST",
    )
    try:
        with urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def server_alive(base: str) -> bool:
    with urlopen(f"{base}/login/", timeout=10) as response:
        return response.status == 200


def webm(path: Path) -> Path:
    return hostile.video(
        path, width=160, height=120, frames=25, codec="libvpx", container_format="webm"
    )


CORPUS = [
    ("empty", hostile.empty, "clip.mp4", 400, "empty_file"),
    ("text", hostile.text, "notes.mp4", 415, "unsupported_media"),
    ("html", hostile.html, "page.mp4", 415, "unsupported_media"),
    ("random", hostile.random_bytes, "noise.mp4", 415, "unsupported_media"),
    # Photos are reviewable items since issue 16: accepted by their content, whatever the name.
    ("png-named-mp4", hostile.png, "photo.mp4", 201, None),
    ("animated-gif", hostile.animated_gif, "anim.gif", 201, None),
    ("jpeg-bomb-65000x65000", hostile.jpeg_bomb, "bomb.jpg", 400, "image_too_large"),
    (
        "gif-frame-bomb",
        lambda p: hostile.gif_with_frames(p, 301),
        "frames.gif",
        400,
        "too_many_frames",
    ),
    ("audio-only", hostile.audio_only_mp4, "song.mp4", 400, "no_video_stream"),
    (
        "two-by-two",
        lambda p: hostile.video(p, width=2, height=2),
        "tiny.mp4",
        400,
        "resolution_too_small",
    ),
    (
        "8k-frame",
        lambda p: hostile.video(p, width=7680, height=4320, frames=2, codec="libx264"),
        "8k.mp4",
        400,
        "resolution_too_large",
    ),
    (
        "truncated",
        lambda p: hostile.truncated(hostile.video(p.with_name("full.mp4"), frames=50), p),
        "cut.mp4",
        400,
        "unreadable_media",
    ),
    (
        "ts-stamped-1s-holding-1000s",
        lambda p: hostile.spliced_ts(p, segments=1000),
        "short.ts",
        400,
        "too_long",
    ),
    (
        "switch-320x240-to-8k",
        lambda p: hostile.resolution_switch_ts(p, first_frames=60, then_frames=2),
        "switch.ts",
        400,
        "resolution_too_large",
    ),
    ("webm", webm, "clip.webm", 201, None),
    (
        "hostile-name",
        lambda p: hostile.video(p, width=64, height=48),
        "../../\x1b[31m\u202eevil.mp4",
        201,
        None,
    ),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("builder", "filename", "status", "code"),
    [case[1:] for case in CORPUS],
    ids=[case[0] for case in CORPUS],
)
def test_hostile_upload_gets_its_documented_answer(
    live_server, reporter, tmp_path, builder, filename, status, code
):
    _, token = create_token(reporter, "corpus")
    data = builder(tmp_path / "upload.bin").read_bytes()
    got_status, body = post_upload(live_server.url, token, data, filename)
    assert got_status == status, body
    assert server_alive(live_server.url)
    if code:
        assert body["error"]["code"] == code and body["error"]["message"]
        assert Clip.objects.count() == 0 and Report.objects.count() == 0
        assert stored_files() == []
        return
    clip = Clip.objects.get(public_id=body["id"])
    assert "/" not in clip.original_filename and "\u202e" not in clip.original_filename
    register_model(
        build_onnx(tmp_path / "tiny.onnx"),
        Manifest.from_dict({"name": "tiny", "version": "1", **SPEC}),
        activate=True,
    )
    assert run_scoring(clip.pk).outcome == "scored"


@pytest.mark.django_db(transaction=True)
def test_oversize_body_is_refused_and_the_server_keeps_serving(live_server, reporter, settings):
    settings.UNMASK_UPLOAD_MAX_BYTES = 512 * 1024
    _, token = create_token(reporter, "corpus")
    got_status, body = post_upload(live_server.url, token, b"\x00" * (3 * 1024 * 1024), "big.mp4")
    assert got_status == 413
    assert body["error"]["code"] == "too_large"
    assert Clip.objects.count() == 0
    assert stored_files() == []
    assert server_alive(live_server.url)
