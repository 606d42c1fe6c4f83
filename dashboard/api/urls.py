from django.urls import path

from dashboard.api import views

app_name = "api"

urlpatterns = [
    path("clips/", views.ClipCreateView.as_view(), name="clip-list"),
    path("clips/<uuid:public_id>/", views.ClipDetailView.as_view(), name="clip-detail"),
]
