"""Retention knows no satellite model: it erases whatever the apps register in
`dashboard.hooks.clip_media_holders`, and a blocker registered there stops a sweep."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from dashboard.hooks import (
    HeldMedia,
    MediaHolder,
    RetentionBlocker,
    clip_media_holders,
    retention_blockers,
)
from retention.services import held_media, run_sweep

pytestmark = pytest.mark.django_db


def test_every_app_that_stores_media_registered_a_holder():
    assert clip_media_holders.keys()[:1] == ["dashboard.clip_file"]
    assert set(clip_media_holders.keys()) >= {
        "dashboard.clip_file",
        "detection.face_crops",
        "teamwork.evidence_packs",
        "provenance.renditions",
    }


def test_a_new_holders_file_is_erased_and_forgotten(stocked):
    name = default_storage.save("elsewhere/extra.bin", ContentFile(b"more media"))
    forgotten: list[str] = []

    def extra(clip):
        if forgotten:
            return []
        forget = lambda: forgotten.append(name)  # noqa: E731
        return [HeldMedia("extra", "an extra file", default_storage, name, 10, forget)]

    clip_media_holders.register("test.extra", MediaHolder("extra", "Extra", extra))
    try:
        assert "extra" in {m.kind for m in held_media(stocked.clip)}
        run_sweep(dry_run=False, now=timezone.now() + timedelta(days=31))
    finally:
        clip_media_holders.unregister("test.extra")
    assert forgotten == [name]
    assert not default_storage.exists(name)


def test_a_registered_blocker_stops_the_sweep(stocked):
    retention_blockers.register("test.block", RetentionBlocker("block", lambda clip: "reasons"))
    try:
        report = run_sweep(dry_run=False, now=timezone.now() + timedelta(days=31))
    finally:
        retention_blockers.unregister("test.block")
    assert report.erased == []
    assert default_storage.exists(stocked.clip.file.name)
