"""Routes of the provenance pages, under /provenance/."""

from django.urls import path

from provenance import views

app_name = "provenance"

urlpatterns = [
    path("matches/<int:match_id>/wrong/", views.mark_wrong, name="mark_wrong"),
    path(
        "matches/<int:match_id>/tag-persons/",
        views.tag_banked_persons,
        name="tag_banked_persons",
    ),
    path("matches/<int:match_id>/changes.png", views.change_overlay, name="change_overlay"),
    path("references/", views.references, name="references"),
    path("references/import/", views.reference_imports, name="reference_imports"),
    path("references/import/<int:import_id>/", views.reference_import, name="reference_import"),
    path("references/<int:entry_id>/media/", views.reference_media, name="reference_media"),
]
