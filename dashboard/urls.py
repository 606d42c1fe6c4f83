from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("clips/new/", views.upload_clip, name="upload"),
    path("clips/<uuid:public_id>/", views.clip_detail, name="clip"),
]
