"""Typed readers for settings from the environment; each one fails loudly on nonsense.

A secret may also come from a file: `FOO_FILE=/run/secrets/foo` is read when `FOO` is unset.
`env_secret` adds the single-machine default: a key generated once into an owner-only file
under var/, the same file `make run` uses, so management commands need no variables.
"""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        file_path = os.environ.get(f"{name}_FILE")
        if file_path:
            try:
                return Path(file_path).read_text().strip()
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"{name}_FILE={file_path!r} cannot be read: {exc}"
                ) from exc
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no).")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}.")
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from exc
    if not value >= minimum:  # also refuses NaN
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def is_set(name: str) -> bool:
    """Whether `name` or `name_FILE` is given in the environment."""
    return os.environ.get(name) is not None or bool(os.environ.get(f"{name}_FILE"))


def read_or_create_secret_file(path: Path, generate: Callable[[], str]) -> str:
    """The secret in `path`; created owner-only (0600) with `generate()` when missing.

    Written to a temporary file and hard-linked into place, so a web process and a worker
    starting together agree on one key and neither ever reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(generate() + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first: use theirs
        finally:
            os.unlink(tmp)
    try:
        value = path.read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{path} cannot be read: {exc}") from exc
    if not value:
        raise ImproperlyConfigured(f"{path} is empty: delete it to have a new key generated.")
    return value


def env_secret(
    name: str, *, fallback: Path | None, generate: Callable[[], str]
) -> tuple[str, bool]:
    """`name` (or `name_FILE`); without either, the key in `fallback`, generated if missing.

    Returns the value and whether it came from the fallback file. With `fallback=None`
    (production: UNMASK_VAR_SECRETS=false) the variable is required.
    """
    if is_set(name) or fallback is None:
        if fallback is None and not is_set(name):
            raise ImproperlyConfigured(
                f"Set the environment variable {name} (or {name}_FILE): "
                "UNMASK_VAR_SECRETS=false turns off the key generated under var/."
            )
        return env_str(name), False
    return read_or_create_secret_file(fallback, generate), True
