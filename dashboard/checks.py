"""System checks for the single-machine data under var/: owner-only, and no generated keys in prod.

The SQLite database holds session keys and password hashes, media holds clips of real people,
var/ holds the keys: any group or world bit on them is a loud warning at every `manage.py`
command and at `runserver`, and `scripts/serve-prod` refuses to start on it (`check --deploy
--fail-level WARNING`). Keys generated under var/ (the `make run` default) warn in `--deploy`.
"""

import stat
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

FIX = "Run: chmod -R go-rwx {path}  (and start Unmask with umask 077, as its scripts do)."


def _loose(path: Path) -> bool:
    """Whether the group or others have any access to `path` (missing paths are not loose)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    return bool(stat.S_IMODE(mode) & 0o077)


def private_paths() -> list[tuple[str, Path]]:
    """What must be owner-only: var/, its key files, the SQLite database, local media."""
    var = Path(settings.VAR_DIR)
    paths = [("var/ directory", var)]
    paths += [(f"key file {name}", var / name) for name in ("secret_key", "field_key")]
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        db = Path(database["NAME"])
        paths += [("SQLite database", db)]
        paths += [("SQLite journal", db.with_name(db.name + suffix)) for suffix in ("-wal", "-shm")]
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        paths.append(("MEDIA_ROOT", Path(settings.MEDIA_ROOT)))
    return paths


@register(Tags.security)
def check_private_paths(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    return [
        Warning(
            f"The {what} {path} is readable by other users of this machine "
            f"(mode {stat.S_IMODE(path.stat().st_mode):o}): it holds sessions, password "
            "hashes, keys or clips of real people.",
            hint=FIX.format(path=path),
            id="unmask.W001",
        )
        for what, path in private_paths()
        if _loose(path)
    ]


@register(Tags.security, deploy=True)
def check_generated_secrets(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    return [
        Warning(
            f"{name} is the key generated under {settings.VAR_DIR} for a single-machine desk.",
            hint=f"Give {name} (or {name}_FILE) and set UNMASK_VAR_SECRETS=false in production.",
            id="unmask.W002",
        )
        for name in settings.UNMASK_GENERATED_SECRETS
    ]
