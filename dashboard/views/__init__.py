"""The moderator's desk: each view checks access, parses input, calls a service, renders."""

from dashboard.views.clips import clip_detail, queue, upload_clip

__all__ = ["clip_detail", "queue", "upload_clip"]
