"""Who a report's statements (reach, persons) reach, and when.

A reporter reports through the reports endpoint only on clips it submitted. A duplicate upload
is the one way its report reaches another integration's clip: the report keeps what it stated,
the clip stays as it was (reach, persons, priority) until a moderator accepts the statements on
the review page. A moderator's own report applies at once.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from dashboard.constants import ClipStatus, ReportStatement, Role
from dashboard.models import AuditEvent, Clip, Person, Report
from dashboard.priority import compute_priority
from dashboard.reports import ReportError, accept_statements, dismiss_statements
from dashboard.roles import set_role
from tests.dashboard.test_ingest_api import URL, post_file
from tests.factories import ClipFactory, PersonFactory

pytestmark = pytest.mark.django_db

HOSTILE = {
    "reason": "impersonation",
    "reach": 999_999_999,
    "subjects": ["Protected Star", "Brand New Name"],
}


@pytest.fixture
def protected():
    return PersonFactory(name="Protected Star", protected=True)


@pytest.fixture
def reporter2(db):
    user = get_user_model().objects.create_user("reporter2", password="x" * 20)  # noqa: S106
    set_role(user, Role.REPORTER)
    return user


def test_a_reporter_cannot_report_a_clip_it_did_not_submit(api_client_for, reporter, protected):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=0)
    response = api_client_for(reporter).post(f"{URL}{clip.public_id}/reports/", HOSTILE)
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "permission_denied"
    clip.refresh_from_db()
    assert clip.reach is None and clip.priority == 0
    assert not clip.persons.exists() and not clip.reports.exists()
    assert not Person.objects.filter(name="Brand New Name").exists()


def test_a_reporter_reports_its_own_clip_and_it_applies(api_client_for, reporter, protected):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, submitted_by=reporter)
    response = api_client_for(reporter).post(
        f"{URL}{clip.public_id}/reports/", HOSTILE, format="json"
    )
    assert response.status_code == 201, response.content
    clip.refresh_from_db()
    assert clip.reach == 999_999_999
    assert protected in clip.persons.all()
    assert Report.objects.get().statement == ReportStatement.APPLIED


def _duplicate(api_client_for, first, second, face_clip, **fields):
    created = post_file(api_client_for(first), face_clip)
    assert created.status_code == 201, created.content
    again = post_file(api_client_for(second), face_clip, **fields)
    return Clip.objects.get(public_id=created.json()["id"]), again


def test_another_integrations_duplicate_is_recorded_but_not_applied(
    api_client_for, reporter, reporter2, face_clip, protected
):
    clip, again = _duplicate(api_client_for, reporter, reporter2, face_clip, **HOSTILE)
    assert again.status_code == 200, again.content
    before = clip.priority
    clip.refresh_from_db()
    assert clip.reach is None
    assert not clip.persons.exists()
    assert not Person.objects.filter(name="Brand New Name").exists()
    assert clip.priority == before == compute_priority(clip)
    report = Report.objects.get(reporter=reporter2)
    assert report.statement == ReportStatement.PENDING
    assert report.reach == 999_999_999
    assert report.subjects == ["Protected Star", "Brand New Name"]
    event = AuditEvent.objects.get(action="clip.reported", data__report=report.pk)
    assert event.data["statement"] == "pending"


def test_a_moderators_duplicate_applies_at_once(
    api_client_for, reporter, moderator, face_clip, protected
):
    clip, again = _duplicate(api_client_for, reporter, moderator, face_clip, **HOSTILE)
    assert again.status_code == 200
    clip.refresh_from_db()
    assert clip.reach == 999_999_999 and protected in clip.persons.all()


def _pending(api_client_for, reporter, reporter2, face_clip):
    clip, _ = _duplicate(api_client_for, reporter, reporter2, face_clip, **HOSTILE)
    Clip.objects.filter(pk=clip.pk).update(status=ClipStatus.AWAITING_REVIEW)
    return clip, Report.objects.get(reporter=reporter2)


def test_review_page_shows_the_pending_statements(
    api_client_for, client, reporter, reporter2, moderator, face_clip, protected
):
    clip, report = _pending(api_client_for, reporter, reporter2, face_clip)
    client.force_login(moderator)
    html = client.get(reverse("dashboard:clip", args=[clip.public_id])).content.decode()
    assert "stated by reporter reporter2" in html.lower()
    assert "reach 999,999,999" in html and "Brand New Name" in html
    assert reverse("dashboard:report_accept", args=[clip.public_id, report.pk]) in html


def test_a_moderator_accepts_the_statements(
    api_client_for, client, reporter, reporter2, moderator, face_clip, protected
):
    clip, report = _pending(api_client_for, reporter, reporter2, face_clip)
    client.force_login(moderator)
    client.post(reverse("dashboard:start", args=[clip.public_id]))  # claims it
    before = Clip.objects.get(pk=clip.pk).priority
    response = client.post(reverse("dashboard:report_accept", args=[clip.public_id, report.pk]))
    assert response.status_code == 302
    clip.refresh_from_db()
    report.refresh_from_db()
    assert clip.reach == 999_999_999
    assert {p.name for p in clip.persons.all()} == {"Protected Star", "Brand New Name"}
    assert clip.priority > before  # the report and the protected person now count
    assert report.statement == ReportStatement.APPLIED
    assert report.statement_reviewed_by == moderator
    assert AuditEvent.objects.filter(clip=clip, action="report.statements_accepted").exists()
    with pytest.raises(ReportError) as again:
        accept_statements(report.pk, moderator)
    assert again.value.code == "not_pending"


def test_a_moderator_dismisses_the_statements(
    api_client_for, client, reporter, reporter2, moderator, face_clip, protected
):
    clip, report = _pending(api_client_for, reporter, reporter2, face_clip)
    client.force_login(moderator)
    client.post(reverse("dashboard:start", args=[clip.public_id]))  # claims it
    before = Clip.objects.get(pk=clip.pk).priority
    response = client.post(reverse("dashboard:report_dismiss", args=[clip.public_id, report.pk]))
    assert response.status_code == 302
    clip.refresh_from_db()
    report.refresh_from_db()
    assert clip.reach is None and not clip.persons.exists() and clip.priority == before
    assert report.statement == ReportStatement.DISMISSED
    assert AuditEvent.objects.filter(clip=clip, action="report.statements_dismissed").exists()


def test_accepting_needs_the_claim(
    api_client_for, reporter, reporter2, moderator, moderator2, face_clip, senior
):
    clip, report = _pending(api_client_for, reporter, reporter2, face_clip)
    with pytest.raises(ReportError) as refused:
        accept_statements(report.pk, moderator)
    assert refused.value.code == "not_held"
    with pytest.raises(ReportError) as refused:
        dismiss_statements(report.pk, reporter)
    assert refused.value.code == "forbidden" and refused.value.status == 403
    Clip.objects.filter(pk=clip.pk).update(status=ClipStatus.APPROVED)
    with pytest.raises(ReportError) as refused:
        accept_statements(report.pk, senior)
    assert refused.value.code == "already_decided"
    report.refresh_from_db()
    assert report.statement == ReportStatement.PENDING
