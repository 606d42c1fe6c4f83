"""The open cases: the desk's list (newest first, totals, keyset pages) and the cases API
(moderators and seniors only; a reporter sees no case, the strict rule)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.constants import ClipStatus
from dashboard.models import Account, Clip
from provenance.cases import join_case_from_matches, open_cases_page
from provenance.models import BankEntry, BankMatch, Case, HashBank
from tests.dashboard.test_korean_desk import KO, assert_korean
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db


def make_case(statuses, reach=100, title="Fake", age_days=0, submitted_by=None):
    bank, _ = HashBank.objects.get_or_create(name="fakes")
    entry = BankEntry.objects.create(bank=bank, source="import", frame_hashes=b"", title=title)
    case = None
    for status in statuses:
        clip = ClipFactory(status=status, reach=reach, submitted_by=submitted_by)
        match = BankMatch.objects.create(
            clip=clip,
            entry=entry,
            query_share=0.8,
            bank_share=0.8,
            best_distance=9,
            matched_frames=9,
        )
        case = join_case_from_matches(clip, [match])
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return case


OPEN, REMOVED, LABELED = ClipStatus.AWAITING_REVIEW, ClipStatus.REMOVED, ClipStatus.LABELED


def test_the_page_lists_open_cases_newest_first_with_totals(client, moderator):
    older = make_case([OPEN, REMOVED, LABELED], reach=1500, title="Older fake", age_days=3)
    newer = make_case([OPEN, OPEN], reach=10, title="Newer fake", age_days=1)
    make_case([REMOVED, REMOVED], title="All decided")  # not open: not listed
    client.force_login(moderator)

    page = client.get(reverse("dashboard:cases"))

    html = page.content.decode()
    assert page.status_code == 200 and "All decided" not in html
    assert html.index("Newer fake") < html.index("Older fake")
    assert "4,500" in html and "1 open, 1 removed, 1 labelled, 0 approved" in html
    assert "2 open, 0 removed" in html
    assert str(newer.public_id) in html and str(older.public_id) in html
    assert reverse("dashboard:cases") in client.get(reverse("dashboard:queue")).content.decode()


def test_the_list_is_keyset_paginated_with_a_fixed_number_of_queries(
    django_assert_max_num_queries,
):
    for age in range(5):
        make_case([OPEN] * (age + 1), age_days=age, title=f"case {age}")
    with django_assert_max_num_queries(1):
        first = open_cases_page(None, size=2)
    assert [c.title for c in first.cases] == ["case 0", "case 1"] and first.first
    second = open_cases_page(first.next_cursor, size=2)
    third = open_cases_page(second.next_cursor, size=2)
    assert [c.title for c in second.cases + third.cases] == ["case 2", "case 3", "case 4"]
    assert third.next_cursor == "" and [c.copy_total for c in third.cases] == [5]
    assert open_cases_page("not-a-cursor", size=2).cases == first.cases


def test_reporters_and_outsiders_are_refused_the_page(client, reporter, outsider):
    for user in (reporter, outsider):
        client.force_login(user)
        assert client.get(reverse("dashboard:cases")).status_code == 403


def test_the_api_lists_cases_and_one_case_with_its_copies(api_client_for, moderator):
    case = make_case([OPEN, REMOVED, ClipStatus.ESCALATED], reach=200, title="Speech")
    make_case([REMOVED], title="Closed")
    client = api_client_for(moderator)

    listed = client.get("/api/v1/cases/").json()
    assert [c["title"] for c in listed["results"]] == ["Speech"]
    row = listed["results"][0]
    assert row["id"] == str(case.public_id) and row["copy_count"] == 3 and row["reach"] == 600
    assert row["status_summary"] == {"open": 2, "removed": 1, "labelled": 0, "approved": 0}
    everything = client.get("/api/v1/cases/?status=all").json()["results"]
    assert {c["title"] for c in everything} == {"Speech", "Closed"}

    detail = client.get(f"/api/v1/cases/{case.public_id}/").json()
    # A moderator reads no escalated clip (dashboard.access): that copy is counted, not listed.
    assert detail["copy_count"] == 3 and len(detail["copies"]) == 2
    assert {c["status"] for c in detail["copies"]} == {OPEN, REMOVED}
    assert set(detail["copies"][0]) >= {"id", "platform", "uploader", "reach", "status"}


def test_a_reporter_sees_no_case_even_one_holding_its_own_clip(api_client_for, reporter):
    case = make_case([OPEN, OPEN], submitted_by=reporter)
    client = api_client_for(reporter)
    assert client.get("/api/v1/cases/").status_code == 403
    response = client.get(f"/api/v1/cases/{case.public_id}/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_the_page_is_korean(client, moderator):
    make_case([OPEN, REMOVED], title="가짜 연설")
    client.force_login(moderator)
    html = assert_korean(client.get(reverse("dashboard:cases"), **KO))
    assert "진행 중인 케이스" in html and "미결 1건, 삭제 1건" in html


def test_a_case_in_the_api_costs_the_same_queries_whatever_its_size(api_client_for, moderator):
    small = make_case([OPEN] * 2, title="small")
    large = make_case([OPEN] * 12, title="large")
    for copy in Clip.objects.filter(case_membership__case=large)[:6]:
        copy.account = Account.objects.create(platform="video-site", account_id=f"u{copy.pk}")
        copy.save()
    client = api_client_for(moderator)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/api/v1/cases/{small.public_id}/")
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/api/v1/cases/{large.public_id}/")
    assert len(response.json()["copies"]) == 12
    assert len(many.captured_queries) == len(few.captured_queries)
