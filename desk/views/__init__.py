"""The moderator's desk: each view checks access, parses input, calls a service, renders."""

from desk.views.accounts import account_detail
from desk.views.audit import audit_log
from desk.views.cases import (
    case_add,
    case_confirm,
    case_decide,
    case_detail,
    case_list,
    case_remove,
)
from desk.views.clips import upload_clip
from desk.views.detectors import model_card
from desk.views.media import clip_media, contact_sheet, face_crop, poster, review_media
from desk.views.people import person_alias_add, person_detail, person_lookup, person_merge
from desk.views.queue import escalations, next_clip, queue, scoring_progress
from desk.views.review import (
    blur_preference,
    clip_detail,
    decide,
    heartbeat,
    leave,
    note,
    person_add,
    person_remove,
    release,
    report_accept,
    report_dismiss,
    start_review,
    suggestion_resolve,
)
from desk.views.wellness import wellness_preference

__all__ = [
    "account_detail",
    "case_add",
    "case_confirm",
    "case_decide",
    "case_detail",
    "case_list",
    "case_remove",
    "audit_log",
    "blur_preference",
    "clip_detail",
    "clip_media",
    "contact_sheet",
    "decide",
    "escalations",
    "face_crop",
    "heartbeat",
    "leave",
    "model_card",
    "next_clip",
    "note",
    "person_add",
    "person_alias_add",
    "person_detail",
    "person_lookup",
    "person_merge",
    "person_remove",
    "poster",
    "queue",
    "release",
    "suggestion_resolve",
    "report_accept",
    "report_dismiss",
    "review_media",
    "scoring_progress",
    "start_review",
    "upload_clip",
    "wellness_preference",
]
