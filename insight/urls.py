"""Routes of the insight pages, mounted under /insight/."""

from django.urls import path

from insight import views

app_name = "insight"

urlpatterns = [
    path("", views.team_dashboard, name="dashboard"),
    path("calibration/", views.detector_calibration, name="calibration"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
    path("second-opinions/", views.second_review_queue, name="second_review_queue"),
    path("second-opinions/<int:sample_id>/", views.second_review, name="second_review"),
]
