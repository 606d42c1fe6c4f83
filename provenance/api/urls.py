"""Provenance routes, appended to the API's own under /api/v1/."""

from django.urls import path

from provenance.api import views

urlpatterns = [
    path(
        "clips/<uuid:public_id>/rendition/",
        views.ClipRenditionView.as_view(),
        name="clip-rendition",
    ),
]
