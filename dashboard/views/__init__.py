"""The moderator's desk: each view checks access, parses input, calls a service, renders."""

from dashboard.views.audit import audit_log
from dashboard.views.clips import upload_clip
from dashboard.views.media import clip_media, face_crop
from dashboard.views.people import person_detail
from dashboard.views.queue import escalations, next_clip, queue, scoring_progress
from dashboard.views.review import (
    blur_preference,
    clip_detail,
    decide,
    heartbeat,
    note,
    person_add,
    person_remove,
    release,
)

__all__ = [
    "audit_log",
    "blur_preference",
    "clip_detail",
    "clip_media",
    "decide",
    "escalations",
    "face_crop",
    "heartbeat",
    "next_clip",
    "note",
    "person_add",
    "person_detail",
    "person_remove",
    "queue",
    "release",
    "scoring_progress",
    "upload_clip",
]
