"""Routes of the moderator's desk (the browser UI); the API has its own in dashboard/api/."""

from django.urls import path

from desk import views

app_name = "dashboard"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("escalations/", views.escalations, name="escalations"),
    path("next/", views.next_clip, name="next"),
    path("audit/", views.audit_log, name="audit"),
    path("preferences/blur/", views.blur_preference, name="blur"),
    path("preferences/wellness/", views.wellness_preference, name="wellness"),
    path("persons/lookup/", views.person_lookup, name="person_lookup"),
    path("persons/<int:person_id>/", views.person_detail, name="person"),
    path("persons/<int:person_id>/aliases/", views.person_alias_add, name="person_alias_add"),
    path("persons/<int:person_id>/merge/", views.person_merge, name="person_merge"),
    path("accounts/<int:account_id>/", views.account_detail, name="account"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case"),
    path("cases/<uuid:public_id>/decide/", views.case_decide, name="case_decide"),
    path("cases/<uuid:public_id>/add/", views.case_add, name="case_add"),
    path(
        "cases/<uuid:public_id>/confirm/<int:pending_id>/", views.case_confirm, name="case_confirm"
    ),
    path("cases/<uuid:public_id>/remove/<uuid:clip_id>/", views.case_remove, name="case_remove"),
    path("crops/<int:crop_id>.jpg", views.face_crop, name="crop"),
    path("models/<int:model_id>/", views.model_card, name="model_card"),
    path("clips/new/", views.upload_clip, name="upload"),
    path("clips/<uuid:public_id>/", views.clip_detail, name="clip"),
    path("clips/<uuid:public_id>/media/", views.clip_media, name="media"),
    path("clips/<uuid:public_id>/review.mp4", views.review_media, name="review_media"),
    path("clips/<uuid:public_id>/poster.jpg", views.poster, name="poster"),
    path("clips/<uuid:public_id>/contact-sheet.jpg", views.contact_sheet, name="contact_sheet"),
    path("clips/<uuid:public_id>/progress/", views.scoring_progress, name="progress"),
    path("clips/<uuid:public_id>/heartbeat/", views.heartbeat, name="heartbeat"),
    path("clips/<uuid:public_id>/release/", views.release, name="release"),
    path("clips/<uuid:public_id>/start/", views.start_review, name="start"),
    path("clips/<uuid:public_id>/leave/", views.leave, name="leave"),
    path("clips/<uuid:public_id>/decide/", views.decide, name="decide"),
    path("clips/<uuid:public_id>/notes/", views.note, name="note"),
    path("clips/<uuid:public_id>/persons/", views.person_add, name="person_add"),
    path(
        "clips/<uuid:public_id>/reports/<int:report_id>/accept/",
        views.report_accept,
        name="report_accept",
    ),
    path(
        "clips/<uuid:public_id>/reports/<int:report_id>/dismiss/",
        views.report_dismiss,
        name="report_dismiss",
    ),
    path(
        "clips/<uuid:public_id>/suggestions/<int:suggestion_id>/<str:verdict>/",
        views.suggestion_resolve,
        name="suggestion_resolve",
    ),
    path(
        "clips/<uuid:public_id>/persons/<int:person_id>/remove/",
        views.person_remove,
        name="person_remove",
    ),
]
