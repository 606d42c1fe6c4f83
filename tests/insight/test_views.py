"""The insight pages: who may see them, what they show, how many queries they take."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.constants import ClipStatus, DecisionAction
from dashboard.models import AuditEvent
from insight.models import AgreementSample
from tests.insight.helpers import clip_at, decide, seed_busy_day


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def busy_day(moderator, moderator2, senior):
    return seed_busy_day(moderator, moderator2, senior)


def test_only_seniors_and_admins_see_the_dashboards(moderator, reporter, senior, admin_user):
    for url in (reverse("insight:dashboard"), reverse("insight:calibration")):
        assert client_for(moderator).get(url).status_code == 403
        assert client_for(reporter).get(url).status_code == 403
        assert client_for(senior).get(url).status_code == 200
        assert client_for(admin_user).get(url).status_code == 200
        assert Client().get(url).status_code == 302


def test_dashboard_charts_have_data_in_bounded_queries(
    busy_day, senior, django_assert_max_num_queries
):
    client = client_for(senior)
    client.get(reverse("insight:dashboard"))  # warm the session
    # As with 100,000 clips (bench), and the label and platform names in the reader's language.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("insight:dashboard"))
    html = response.content.decode()
    charts = re.findall(r"<svg class=\"chart.*?</svg>", html, re.S)
    assert len(charts) == 12
    assert all('class="mark' in chart for chart in charts)
    assert "Cohen&#x27;s kappa" in html or "Cohen's kappa" in html
    assert "Team dashboard" in html  # the nav link for seniors


def test_dashboard_date_range_and_bad_range(busy_day, senior):
    client = client_for(senior)
    long_ago = (timezone.localdate() - timedelta(days=400)).isoformat()
    old = client.get(reverse("insight:dashboard"), {"start": long_ago, "end": long_ago})
    assert old.status_code == 200
    assert "no data in this range" in old.content.decode()
    bad = client.get(reverse("insight:dashboard"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert "must not be after the end" in bad.content.decode()


def test_calibration_page_marks_current_and_suggested_threshold(busy_day, senior):
    response = client_for(senior).get(reverse("insight:calibration"), {"model": busy_day.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r"<svg class=\"chart", html)) == 3
    assert "current 0.50" in html
    # Scores 0.2 approved, 0.8 and 0.9 manipulated: precision 1 from 0.21 on.
    assert "suggested 0.21" in html


def test_export_streams_csv_and_json_and_is_audited(busy_day, senior, moderator):
    client = client_for(senior)
    response = client.get(reverse("insight:export", args=["decisions", "csv"]))
    assert response.status_code == 200 and response.streaming
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,created_at,clip,platform,action,labels")
    # Five decisions of the day and the label an overturned appeal put in place of another.
    assert len(lines) == 1 + 6
    assert any(",label,face-swap," in line for line in lines)
    response = client.get(reverse("insight:export", args=["audit", "json"]))
    import json

    rows = json.loads(b"".join(response.streaming_content))
    assert rows[-1]["action"] == "insight.export"  # the first export, audited
    assert AuditEvent.objects.filter(action="insight.export", actor=senior).count() == 2
    assert (
        client_for(moderator).get(reverse("insight:export", args=["audit", "csv"])).status_code
        == 403
    )


def test_export_refuses_bad_input(senior):
    client = client_for(senior)
    missing = client.get("/insight/export/people.csv")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    bad = client.get(
        reverse("insight:export", args=["audit", "csv"]),
        {"start": "2026-02-01", "end": "2025-01-01"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_range"
    assert not AuditEvent.objects.filter(action="insight.export").exists()


def test_second_opinion_pages(moderator, moderator2):
    clip = clip_at(timezone.now(), ClipStatus.IN_REVIEW)
    first = decide(clip, moderator, DecisionAction.APPROVE, timezone.now(), final_status="approved")
    sample = AgreementSample.objects.create(clip=clip, first_decision=first)
    url = reverse("insight:second_review", args=[sample.pk])
    assert client_for(moderator).get(url).status_code == 403  # their own decision
    second = client_for(moderator2)
    queue = second.get(reverse("insight:second_review_queue"))
    assert url in queue.content.decode()
    page = second.get(url)
    assert page.status_code == 200 and "Approve" in page.content.decode()
    assert "moderator" not in page.content.decode().split("<main", 1)[1].split("</form>")[0]
    response = second.post(url, {"action": "remove", "note": "edited lips"})
    assert response.status_code == 302
    sample.refresh_from_db()
    assert sample.second_action == "remove"
    clip.refresh_from_db()
    assert clip.status == ClipStatus.APPROVED
    assert second.post(url, {"action": "approve"}).status_code == 409


def test_second_opinion_queue_queries_do_not_grow_with_rows(
    moderator, moderator2, django_assert_max_num_queries
):
    for _ in range(12):
        clip = clip_at(timezone.now(), ClipStatus.IN_REVIEW, platform="tube")
        first = decide(
            clip, moderator, DecisionAction.APPROVE, timezone.now(), final_status="approved"
        )
        AgreementSample.objects.create(clip=clip, first_decision=first)
    client = client_for(moderator2)
    client.get(reverse("insight:second_review_queue"))
    with django_assert_max_num_queries(6):  # 5, and the platform presets' names
        response = client.get(reverse("insight:second_review_queue"))
    assert response.content.decode().count("/insight/second-opinions/") == 12
