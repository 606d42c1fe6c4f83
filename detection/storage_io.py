"""Reading stored files as local paths, whatever the storage backend.

OpenCV and ONNX Runtime need a path on disk. With the filesystem storage that is the stored file
itself; with a remote storage (S3) the file is streamed to a temporary copy that is removed after.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import Storage

CHUNK = 1024 * 1024


def _direct_path(storage: Storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


@contextmanager
def local_path(storage: Storage, name: str, suffix: str = "") -> Iterator[Path]:
    direct = _direct_path(storage, name)
    if direct is not None:
        yield direct
        return
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp, storage.open(name, "rb") as src:
        shutil.copyfileobj(src, tmp, CHUNK)
        tmp.flush()
        yield Path(tmp.name)


def cached_local_path(storage: Storage, name: str, cache_dir: Path, key: str) -> Path:
    """A long-lived local copy keyed by content hash (for model files loaded once per worker)."""
    direct = _direct_path(storage, name)
    if direct is not None:
        return direct
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"{key}{Path(name).suffix}"
    if not target.exists():
        with (
            tempfile.NamedTemporaryFile(dir=cache_dir, delete=False) as tmp,
            storage.open(name, "rb") as src,
        ):
            shutil.copyfileobj(src, tmp, CHUNK)
        Path(tmp.name).replace(target)
    return target
