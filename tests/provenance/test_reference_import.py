"""Bulk import of authentic references: a ZIP or folder of images with a CSV manifest, checked
file by file (content, photo limits, ZIP bombs, unsafe names) and row by row, run as a job with
progress and a report of refusals; each registered reference applies to the clips already on
the desk."""

import io
import zipfile

import cv2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from config.celery import app as celery_app
from dashboard.models import Person
from detection.frames import sample_frames
from provenance import refimport, services
from provenance.models import BankEntry, BankKind, BankMatch, ImportState, ReferenceImport
from tests.provenance.conftest import stored_clip

pytestmark = pytest.mark.django_db


def png_of_first_frame(path) -> bytes:
    frame = next(iter(sample_frames(path))).image
    ok, encoded = cv2.imencode(".png", frame)
    assert ok
    return encoded.tobytes()


MANIFEST = (
    "file,person,title,date,source\n"
    "press.png,Ada Example,Press event 2026,2026-03-01,Agency A\n"  # line 2: good
    "scene.png,Bo Kim,Scenery,,Agency B\n"  # line 3: good
    "notes.png,Ada Example,Not a photo,,\n"  # line 4: a text file
    "bomb.png,Ada Example,Bomb,,\n"  # line 5: a ZIP bomb
    "../evil.png,Ada Example,Escape,,\n"  # line 6: a traversal name
    "nobody.png,,No person,,\n"  # line 7: a bad row
    "late.png,Ada Example,Bad date,2026-13-45,\n"  # line 8: a bad row
)


@pytest.fixture
def archive(fake_original, unrelated_video) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", MANIFEST)
        zf.writestr("press.png", png_of_first_frame(fake_original))
        zf.writestr("scene.png", png_of_first_frame(unrelated_video))
        zf.writestr("notes.png", b"<html>not a picture</html>" * 40)
        zf.writestr("bomb.png", b"\0" * (8 * 1024 * 1024))  # packs to a few KB
        zf.writestr("../evil.png", png_of_first_frame(fake_original))
        zf.writestr("/etc/stray.png", b"x")  # unsafe and named by no row
    return buffer.getvalue()


def eager(monkeypatch) -> None:
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)


def test_zip_import_registers_good_files_reports_each_refusal_and_applies_to_the_desk(
    client, moderator, archive, fake_reupload, monkeypatch, django_capture_on_commit_callbacks
):
    derived = stored_clip(fake_reupload)
    services.fingerprint(derived)  # on the desk before the reference exists
    eager(monkeypatch)
    client.force_login(moderator)
    upload = SimpleUploadedFile("agency.zip", archive, content_type="application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("provenance:reference_imports"), {"archive": upload})
    job = ReferenceImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("provenance:reference_import", args=[job.pk])

    job.refresh_from_db()
    assert job.state == ImportState.DONE and (job.done, job.total) == (7, 7)
    assert not job.archive  # the uploaded ZIP is removed once every row is done
    refused = {(r["line"], r["file"], r["code"]) for r in job.report}
    assert refused == {
        (4, "notes.png", "unsupported_media"),
        (5, "bomb.png", "compression_ratio"),
        (6, "../evil.png", "unsafe_name"),
        (7, "nobody.png", "person_required"),
        (8, "late.png", "bad_date"),
        (None, "/etc/stray.png", "unsafe_name"),
    }
    assert all(r["message"] for r in job.report)

    entries = BankEntry.objects.filter(bank__kind=BankKind.REFERENCE).order_by("pk")
    assert [e.title for e in entries] == ["Press event 2026", "Scenery"]
    press = entries[0]
    assert press.person.name == "Ada Example" and press.reference_source == "Agency A"
    assert str(press.reference_date) == "2026-03-01"
    assert sorted(job.entries) == [e.pk for e in entries]
    # Nothing half-written for a refused file: no person from the refused rows alone.
    assert not Person.objects.filter(name="").exists()
    assert Person.objects.filter(name__in=["Ada Example", "Bo Kim"]).count() == 2

    # Applied retroactively through the bounded desk matching task.
    press.refresh_from_db()
    assert press.desk_matched_at is not None
    assert BankMatch.objects.filter(clip=derived, entry=press).exists()
    assert not BankMatch.objects.filter(clip=derived, entry=entries[1]).exists()

    page = client.get(response.url).content.decode()
    assert "7 of 7 rows done" in page
    for code in ("unsupported_media", "compression_ratio", "unsafe_name", "bad_date"):
        assert f'data-code="{code}"' in page
    clip_page = client.get(reverse("dashboard:clip", args=[derived.public_id])).content.decode()
    assert "Press event 2026" in clip_page


def test_progress_is_saved_per_row_and_a_resent_job_carries_on(
    moderator, archive, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("agency.zip", archive)
    with django_capture_on_commit_callbacks(execute=False):
        job = refimport.open_zip_import(upload, moderator)
    assert refimport.run_import(job.pk, batch=3) is True
    job.refresh_from_db()
    assert job.state == ImportState.RUNNING and job.done == 3 and len(job.entries) == 2
    with django_capture_on_commit_callbacks(execute=False):
        assert refimport.run_import(job.pk, batch=100) is False
        assert refimport.run_import(job.pk) is False  # finished: a re-sent job does nothing
    job.refresh_from_db()
    assert job.done == 7 and len(job.entries) == 2
    assert BankEntry.objects.filter(bank__kind=BankKind.REFERENCE).count() == 2


def test_archives_refused_as_a_whole_store_nothing(moderator, archive, settings):
    with pytest.raises(refimport.ImportRefused) as not_zip:
        refimport.open_zip_import(SimpleUploadedFile("a.zip", b"PK not really"), moderator)
    assert not_zip.value.code == "not_a_zip"
    settings.REFERENCE_IMPORT_MAX_ENTRIES = 3
    with pytest.raises(refimport.ImportRefused) as many:
        refimport.open_zip_import(SimpleUploadedFile("a.zip", archive), moderator)
    assert many.value.code == "too_many_entries"
    settings.REFERENCE_IMPORT_MAX_ENTRIES = 100
    settings.REFERENCE_IMPORT_MAX_TOTAL_BYTES = 1024 * 1024
    with pytest.raises(refimport.ImportRefused) as big:
        refimport.open_zip_import(SimpleUploadedFile("a.zip", archive), moderator)
    assert big.value.code == "archive_too_large"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("a.png", b"x")
    with pytest.raises(refimport.ImportRefused) as no_csv:
        refimport.open_zip_import(SimpleUploadedFile("a.zip", buffer.getvalue()), moderator)
    assert no_csv.value.code == "manifest_missing"
    bad_header = SimpleUploadedFile("m.csv", b"name,who\na.png,Ada\n")
    with pytest.raises(refimport.ImportRefused) as columns:
        refimport.open_zip_import(
            SimpleUploadedFile("a.zip", buffer.getvalue()), moderator, bad_header
        )
    assert columns.value.code == "manifest_columns"
    assert not ReferenceImport.objects.exists()


def test_the_page_refuses_a_bad_archive_with_its_code(client, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("provenance:reference_imports"),
        {"archive": SimpleUploadedFile("a.zip", b"not a zip")},
    )
    assert response.status_code == 400
    assert "not_a_zip" in response.content.decode()
    assert not ReferenceImport.objects.exists()


def test_command_imports_a_server_folder(tmp_path, moderator, fake_original):
    folder = tmp_path / "refs"
    folder.mkdir()
    (folder / "press.png").write_bytes(png_of_first_frame(fake_original))
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    outside = tmp_path / "secret.png"
    outside.write_bytes(png_of_first_frame(fake_original))
    (folder / "link.png").symlink_to(outside)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,person,title,date,source\n"
        "press.png,Ada Example,Press,2026-01-02,Agency\n"
        "broken.jpg,Ada Example,Broken,,\n"
        "link.png,Ada Example,Link,,\n"
        "missing.png,Ada Example,Missing,,\n"
    )
    out = io.StringIO()
    call_command(
        "import_references", str(folder), csv=str(manifest), user=moderator.username,
        here=True, stdout=out,
    )  # fmt: skip
    job = ReferenceImport.objects.get()
    codes = {r["file"]: r["code"] for r in job.report}
    assert codes["link.png"] == "unsafe_name"
    assert codes["missing.png"] == "file_missing"
    assert codes["broken.jpg"] in {"unreadable_media", "unsupported_media"}
    assert "press.png" not in codes
    assert BankEntry.objects.get(bank__kind=BankKind.REFERENCE).title == "Press"
    assert "1 registered, 3 refused" in out.getvalue()


def test_the_import_pages_and_their_report_are_korean(
    client, moderator, fake_original, django_capture_on_commit_callbacks
):
    from tests.dashboard.test_korean_desk import KO, assert_korean

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "manifest.csv",
            "file,person,title,date,source\n"
            "press.png,Ada Example,Press,2026-01-02,Agency\n"
            "bomb.png,Ada Example,Bomb,,\n"
            "late.png,Ada Example,Late,2026-13-45,\n",
        )
        zf.writestr("press.png", png_of_first_frame(fake_original))
        zf.writestr("bomb.png", b"\0" * (4 * 1024 * 1024))
    # Column names, formats and file names are codes: left as they are in Korean.
    codes = {"CSV", "ZIP", "YYYY", "MM", "DD", "manifest", "csv", "file", "person", "title"}
    codes |= {"date", "source", "agency", "zip", "png", "GB", "YYYY-MM-DD", "bomb", "late"}
    client.force_login(moderator)
    assert "참조 자료 일괄 가져오기" in assert_korean(
        client.get(reverse("provenance:reference_imports"), **KO), extra=codes
    )
    upload = SimpleUploadedFile("agency.zip", buffer.getvalue())
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("provenance:reference_imports"), {"archive": upload}, **KO)
        job = ReferenceImport.objects.get()
        assert job.language == "ko"
        refimport.run_import(job.pk)
    html = assert_korean(client.get(response.url, **KO), extra=codes)
    assert "3행 중 3행 처리 완료" in html and "압축 폭탄" in html and "YYYY-MM-DD" in html


def test_the_sweeper_sends_an_import_that_never_ran(
    moderator, archive, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from provenance import tasks

    with django_capture_on_commit_callbacks(execute=False):  # the broker never got it
        job = refimport.open_zip_import(SimpleUploadedFile("agency.zip", archive), moderator)
    eager(monkeypatch)
    assert tasks.resend_stale_imports() == 0  # within the grace: the first send may come
    ReferenceImport.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False):
        assert tasks.resend_provenance_jobs() == 1
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.sent_at is not None and len(job.entries) == 2
    assert tasks.resend_stale_imports() == 0  # finished: never sent again
