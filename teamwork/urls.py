"""Routes of the team-workflow pages, under /team/."""

from django.urls import path

from teamwork import views

app_name = "teamwork"

urlpatterns = [
    path("confirmations/", views.confirmations_queue, name="confirmations"),
    path("confirmations/<int:pending_id>/", views.pending_detail, name="pending"),
    path("confirmations/<int:pending_id>/confirm/", views.pending_confirm, name="confirm"),
    path("confirmations/<int:pending_id>/overturn/", views.pending_overturn, name="overturn"),
    path("confirmations/<int:pending_id>/withdraw/", views.pending_withdraw, name="withdraw"),
    path("appeals/", views.appeals_queue, name="appeals"),
    path("appeals/<int:appeal_id>/", views.appeal_detail, name="appeal"),
    path("appeals/<int:appeal_id>/decide/", views.appeal_decide, name="appeal_decide"),
    path("clips/<uuid:public_id>/appeal/", views.appeal_new, name="appeal_new"),
    path("clips/<uuid:public_id>/evidence/", views.pack_request, name="pack_request"),
    path("sla/", views.sla_overview, name="sla"),
    path("evidence/<int:pack_id>/", views.pack_detail, name="pack"),
    path("evidence/<int:pack_id>/download/", views.pack_download, name="pack_download"),
]
