"""The core's share of a clip's media for retention: the uploaded clip file itself, and its
review rendition, poster and contact sheet (stored beside it).

Registered in `dashboard.hooks.clip_media_holders` by DashboardConfig.ready(); the retention
app deletes the file through its storage and calls `forget()`, which blanks the field (the
clip's SHA-256, size and probe facts stay on the row).
"""

from dashboard.hooks import HeldMedia, MediaHolder, clip_media_holders
from dashboard.models import Clip, ReviewRendition


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


_RENDITION_FILES = (
    ("file", "review_rendition", "review rendition"),
    ("poster", "rendition_poster", "poster frame"),
    ("contact_sheet", "rendition_contact_sheet", "contact sheet"),
)


def rendition_files(clip: Clip) -> list[HeldMedia]:
    row = ReviewRendition.objects.filter(clip=clip).first()
    if row is None:
        return []
    held = []
    for field, kind, what in _RENDITION_FILES:
        field_file = getattr(row, field)
        if not field_file:
            continue

        def forget(field: str = field) -> None:
            ReviewRendition.objects.filter(pk=row.pk).update(**{field: ""})

        size = row.size_bytes if field == "file" else 0
        held.append(
            HeldMedia(
                kind=kind,
                description=f"{what} {field_file.name}",
                storage=field_file.storage,
                name=field_file.name,
                size_bytes=size,
                forget=forget,
            )
        )
    return held


def register() -> None:
    clip_media_holders.register(
        "dashboard.clip_file", MediaHolder("clip_file", "Clip file", clip_file)
    )
    clip_media_holders.register(
        "dashboard.review_rendition",
        MediaHolder(
            "review_rendition", "Review rendition, poster and contact sheet", rendition_files
        ),
    )
