"""Every `manage.py` command the README shows runs from the checkout in a fresh shell.

A new shell has none of `make run`'s variables (no SECRET_KEY, no SECRET_KEY_FILE): the settings
fall back to the key files under var/ that `make run` uses, so operators' commands just work.
The commands are read from README.md itself, so this stays true when the README changes.
"""

import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# Placeholders the README writes in capitals or as example paths, and what stands in for them.
PLACEHOLDERS = {
    "path/to/model.json": str(ROOT / "detection/models/baseline-v1.json"),
    "NAME": "unmask-baseline",
    "VERSION": "1",
    "BANK": "shared-fakes",
    "N": "100",
}
# Commands that need another's result run after it (an account before its token, a model before
# activating it, a bank imported before it is exported); the rest keep the README's order.
RUN_FIRST = ["add_moderator", "create_api_token", "register_model", "provenance_import"]
# The folder of labelled media the README's evaluate_detector command scores: a small
# generated set (one clip of each kind, one second each), written when the command comes up.
LABELLED_MEDIA = "path/to/labelled-media"


def labelled_media(folder: Path) -> Path:
    from detection.synthetic import write_evaluation_set

    return write_evaluation_set(folder, per_kind=1, seconds=1.0, size=(320, 240))


# The README's bulk reference import reads a server folder and a ZIP, each with its manifest.
REFERENCE_FOLDER = "/srv/press-photos"
REFERENCE_ZIP = "photos.zip"
REFERENCE_MANIFEST = "manifest.csv"
MANIFEST = "file,person,title\nstill.png,Han Ji-woo,Press still\n"


def press_photos(root: Path) -> dict[str, str]:
    """A folder and a ZIP of one generated photo each, with the manifest both name."""
    import zipfile

    import cv2
    import numpy as np

    yy, xx = np.mgrid[0:480, 0:640]
    photo = np.dstack([(xx * 0.4) % 256, (yy * 0.5) % 256, ((xx + yy) * 0.2) % 256])
    ok, png = cv2.imencode(".png", photo.astype(np.uint8))
    assert ok
    manifest = MANIFEST
    folder = root / "press-photos"
    folder.mkdir()
    (folder / "still.png").write_bytes(png.tobytes())
    (folder / REFERENCE_MANIFEST).write_text(manifest)
    with zipfile.ZipFile(root / REFERENCE_ZIP, "w") as archive:
        archive.writestr("still.png", png.tobytes())
        archive.writestr(REFERENCE_MANIFEST, manifest)
    return {REFERENCE_FOLDER: str(folder), REFERENCE_ZIP: str(root / REFERENCE_ZIP)}


# One PDQ row the README's import command reads (its `bank.csv`).
BANK_CSV = "signal_type,signal_value,entry_id\npdq," + "a5" * 32 + ",demo-1\n"


def readme_commands(text: str) -> list[str]:
    """The `manage.py ...` command lines of README.md: in shell blocks and in inline code."""
    spans: list[str] = []
    # Fences may be indented (a block inside a list item).
    fence = r"^[ \t]*```[a-z]*\n(.*?)^[ \t]*```"
    for block in re.findall(fence, text, flags=re.S | re.M):
        spans.extend(block.splitlines())
    prose = re.sub(fence, "", text, flags=re.S | re.M)
    spans.extend(span.replace("\n", " ") for span in re.findall(r"`([^`]+)`", prose))
    commands = []
    for span in spans:
        found = re.search(r"manage\.py\s+([a-z_]+.*)", span.split("#", 1)[0])
        if found:
            command = re.sub(r"\s+", " ", found.group(1)).strip()
            # Optional arguments are shown in [brackets]: run with all of them.
            commands.append(command.replace("[", "").replace("]", ""))
    return commands


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a new shell: none of make run's or the test suite's settings."""
    dropped = ("SECRET_KEY", "DJANGO_", "UNMASK_", "DATABASE_URL", "CELERY_", "DEBUG", "SECURE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(extra)
    return env


def run_manage(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        # No controlling terminal: a password prompt reads standard input.
        start_new_session=True,
        **kwargs,
    )


def test_readme_shows_the_operator_commands():
    names = {command.split()[0] for command in readme_commands(README.read_text())}
    assert {"add_moderator", "create_api_token", "rescore", "provenance_export"} <= names


@pytest.mark.slow
def test_every_readme_command_runs_without_secret_key(tmp_path):
    var = tmp_path / "var"
    env = clean_env(UNMASK_VAR_DIR=str(var))
    bank_csv = tmp_path / "bank.csv"
    bank_csv.write_text(BANK_CSV)
    references = press_photos(tmp_path)
    # `--csv manifest.csv` names the folder's manifest from the working directory.
    (tmp_path / REFERENCE_MANIFEST).write_text(MANIFEST)
    migrated = run_manage(["migrate", "--noinput"], env)
    assert migrated.returncode == 0, migrated.stderr

    commands = readme_commands(README.read_text())
    order = {name: i for i, name in enumerate(RUN_FIRST)}
    commands.sort(key=lambda c: order.get(c.split()[0], len(order)))
    for command in commands:
        args, stdout_to = [], None
        tokens = shlex.split(command)
        for i, token in enumerate(tokens):
            if token == ">":
                stdout_to = tmp_path / tokens[i + 1]
                break
            if token.endswith(".csv") and "/" not in token:
                token = str(tmp_path / token)
            if token == LABELLED_MEDIA:
                token = str(labelled_media(tmp_path / "labelled"))
            args.append(PLACEHOLDERS.get(token, references.get(token, token)))
        result = run_manage(args, env, input="a long enough demo password 9\n" * 2)
        assert result.returncode == 0, f"manage.py {command}:\n{result.stdout}\n{result.stderr}"
        if stdout_to is not None:
            stdout_to.write_text(result.stdout)

    key = var / "secret_key"
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600


def test_default_var_dir_key_is_created_owner_only_and_reused():
    """With no UNMASK_VAR_DIR the checkout's own var/ holds the key, as `make run` writes it."""
    env = clean_env()
    first = run_manage(["check"], env)
    assert first.returncode == 0, first.stderr
    key = ROOT / "var" / "secret_key"
    assert key.is_file()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_text()
    second = run_manage(["check"], env)
    assert second.returncode == 0, second.stderr
    assert key.read_text() == before


def test_explicit_production_still_requires_a_secret_key(tmp_path):
    env = clean_env(UNMASK_VAR_DIR=str(tmp_path), UNMASK_VAR_SECRETS="false")
    result = run_manage(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()
