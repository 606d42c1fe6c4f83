"""Routes of the routing app's pages (mounted under /routing/ by config.urls)."""

from django.urls import path

from routing import views

app_name = "routing"

urlpatterns = [
    path("clips/<uuid:public_id>/move/", views.move, name="move"),
]
