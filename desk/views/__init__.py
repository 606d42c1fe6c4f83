"""The moderator's desk: each view checks access, parses input, calls a service, renders."""

from desk.views.audit import audit_log
from desk.views.clips import upload_clip
from desk.views.detectors import model_card
from desk.views.media import clip_media, contact_sheet, face_crop, poster, review_media
from desk.views.people import person_detail
from desk.views.queue import escalations, next_clip, queue, scoring_progress
from desk.views.review import (
    blur_preference,
    clip_detail,
    decide,
    heartbeat,
    note,
    person_add,
    person_remove,
    release,
    report_accept,
    report_dismiss,
)
from desk.views.wellness import wellness_preference

__all__ = [
    "audit_log",
    "blur_preference",
    "clip_detail",
    "clip_media",
    "contact_sheet",
    "decide",
    "escalations",
    "face_crop",
    "heartbeat",
    "model_card",
    "next_clip",
    "note",
    "person_add",
    "person_detail",
    "person_remove",
    "poster",
    "queue",
    "release",
    "report_accept",
    "report_dismiss",
    "review_media",
    "scoring_progress",
    "upload_clip",
    "wellness_preference",
]
