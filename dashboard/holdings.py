"""The core's share of a clip's media for retention: the uploaded clip file itself.

Registered in `dashboard.hooks.clip_media_holders` by DashboardConfig.ready(); the retention
app deletes the file through its storage and calls `forget()`, which blanks the field (the
clip's SHA-256, size and probe facts stay on the row).
"""

from dashboard.hooks import HeldMedia, MediaHolder, clip_media_holders
from dashboard.models import Clip


def clip_file(clip: Clip) -> list[HeldMedia]:
    if not clip.file:
        return []

    def forget() -> None:
        Clip.objects.filter(pk=clip.pk).update(file="")

    return [
        HeldMedia(
            kind="clip_file",
            description=f"clip file {clip.file.name}",
            storage=clip.file.storage,
            name=clip.file.name,
            size_bytes=clip.size_bytes,
            forget=forget,
        )
    ]


def register() -> None:
    clip_media_holders.register(
        "dashboard.clip_file", MediaHolder("clip_file", "Clip file", clip_file)
    )
