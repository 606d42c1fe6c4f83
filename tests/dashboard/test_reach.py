"""A clip's reach: stated by reports (API upload, API report, desk upload), validated strictly,
the largest kept, shown on the review page and in the API."""

import json

import pytest
from django.urls import reverse

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Clip, Report
from desk.ingest import (
    MAX_REACH,
    InvalidReach,
    Submission,
    parse_reach,
    raise_reach,
    report_existing,
)
from teamwork.evidence import _provenance
from tests.dashboard.test_ingest_api import URL, post_file, stored_files
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db

# Values a hostile or careless integration may send, as multipart strings.
BAD_FORM_VALUES = [
    "-1",
    "-99999999999999999999999999",
    "1.5",
    "1.0",
    "1e6",
    "0x10",
    "1,000,000",
    "1 000",
    "abc",
    "true",
    "١٢",  # Arabic-Indic digits: int() would take them
    "９",  # a fullwidth digit
    str(MAX_REACH + 1),
    "9" * 30,
    "9" * 5000,
    "   ",
]
# The same in JSON bodies, plus what only JSON can carry.
BAD_JSON_VALUES = [
    -1,
    1.5,
    1e6,
    1.0,
    True,
    False,
    MAX_REACH + 1,
    10**40,
    "abc",
    "-5",
    "",
    [1],
    {"views": 1},
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), (0, 0), ("0", 0), (" 42 ", 42), ("007", 7), (MAX_REACH, MAX_REACH)],
)
def test_parse_reach_accepts_whole_numbers(value, expected):
    assert parse_reach(value) == expected


@pytest.mark.parametrize("value", [*BAD_FORM_VALUES, *BAD_JSON_VALUES[:-1]])
def test_parse_reach_refuses_everything_else(value):
    if value == "   " or value == "":
        assert parse_reach(value) is None  # blank means "not stated" to the parser
        return
    with pytest.raises(InvalidReach):
        parse_reach(value)


def test_submission_refuses_a_nonsense_reach_even_without_a_form():
    for value in (-1, MAX_REACH + 1, True, "12", 1.0):
        with pytest.raises(InvalidReach):
            Submission(reach=value)


def test_upload_with_reach_sets_the_clip_and_the_report(api_client_for, reporter, face_clip):
    response = post_file(api_client_for(reporter), face_clip, reach="1500000")
    assert response.status_code == 201, response.content
    assert response.json()["reach"] == 1_500_000
    clip = Clip.objects.get()
    assert clip.reach == 1_500_000
    assert Report.objects.get().reach == 1_500_000
    event = AuditEvent.objects.get(clip=clip, action="clip.reported")
    assert event.data["reach"] == 1_500_000 and event.data["reach_raised"] is True


def test_upload_without_reach_leaves_it_null(api_client_for, reporter, face_clip):
    response = post_file(api_client_for(reporter), face_clip, reach="")
    assert response.status_code == 201, response.content
    assert response.json()["reach"] is None
    assert Clip.objects.get().reach is None
    assert "reach" not in AuditEvent.objects.get(action="clip.reported").data


def test_reported_again_the_clip_keeps_the_largest_reach(api_client_for, reporter, face_clip):
    client = api_client_for(reporter)
    created = post_file(client, face_clip, reach="2000").json()
    clip = Clip.objects.get()
    # The same bytes again, with a larger reach: raised.
    again = post_file(client, face_clip, reach="5000")
    assert again.status_code == 200 and again.json()["reach"] == 5000
    url = f"{URL}{created['id']}/reports/"
    # A smaller reach, then none at all: the largest stays.
    assert client.post(url, {"reach": 300}, format="json").status_code == 201
    assert client.post(url, {"reason": "other"}, format="json").status_code == 201
    assert client.post(url, {"reach": None}, format="json").status_code == 201
    clip.refresh_from_db()
    assert clip.reach == 5000
    assert list(Report.objects.order_by("pk").values_list("reach", flat=True)) == [
        2000,
        5000,
        300,
        None,
        None,
    ]
    raised = [
        e.data.get("reach_raised")
        for e in AuditEvent.objects.filter(clip=clip, action="clip.reported").order_by("pk")
    ]
    assert raised == [True, True, False, None, None]


def test_report_endpoint_answers_the_stated_reach(api_client_for, reporter):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, submitted_by=reporter)
    response = api_client_for(reporter).post(
        f"{URL}{clip.public_id}/reports/", {"reach": 12_000_000}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["reach"] == 12_000_000
    clip.refresh_from_db()
    assert clip.reach == 12_000_000


def test_raise_reach_never_lowers():
    clip = ClipFactory(reach=10)
    stale = Clip.objects.get(pk=clip.pk)
    assert raise_reach(clip, 50) is True
    assert raise_reach(stale, 20) is False  # another request raised it meanwhile
    assert stale.reach == 50
    clip.refresh_from_db()
    assert clip.reach == 50


@pytest.mark.parametrize("value", BAD_FORM_VALUES)
def test_upload_with_hostile_reach_is_refused_and_writes_nothing(
    api_client_for, reporter, face_clip, value
):
    response = post_file(api_client_for(reporter), face_clip, reach=value)
    assert response.status_code == 400, (value, response.content)
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["reach"]
    assert not Clip.objects.exists() and not Report.objects.exists()
    assert not AuditEvent.objects.exists()
    assert [p for p in stored_files() if "clips" in p.parts] == []


@pytest.mark.parametrize("value", BAD_JSON_VALUES)
def test_report_with_hostile_reach_is_refused_and_writes_nothing(api_client_for, reporter, value):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, submitted_by=reporter, reach=700)
    response = api_client_for(reporter).post(
        f"{URL}{clip.public_id}/reports/", {"reach": value, "note": "n"}, format="json"
    )
    assert response.status_code == 400, (value, response.content)
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["reach"]
    clip.refresh_from_db()
    assert clip.reach == 700
    assert not Report.objects.exists() and not AuditEvent.objects.exists()


def test_a_json_number_too_long_to_parse_is_a_400(api_client_for, reporter):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, submitted_by=reporter)
    body = '{"reach": ' + "9" * 5000 + "}"
    response = api_client_for(reporter).post(
        f"{URL}{clip.public_id}/reports/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not Report.objects.exists()


def test_desk_upload_form_takes_a_reach(client, moderator, face_clip):
    client.force_login(moderator)
    with face_clip.open("rb") as fh:
        response = client.post(
            reverse("dashboard:upload"), {"file": fh, "reason": "deepfake", "reach": "250000"}
        )
    assert response.status_code == 302, response.content[:500]
    assert Clip.objects.get().reach == 250_000


@pytest.mark.parametrize("value", ["-3", "2.5", "lots", str(MAX_REACH + 1), "١٢"])
def test_desk_upload_form_refuses_a_bad_reach(client, moderator, face_clip, value):
    client.force_login(moderator)
    with face_clip.open("rb") as fh:
        response = client.post(
            reverse("dashboard:upload"), {"file": fh, "reason": "deepfake", "reach": value}
        )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["reach"]
    assert not Clip.objects.exists() and not Report.objects.exists()


def test_review_page_shows_the_reach(client, moderator):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    report_existing(clip, Submission(reach=1_250_000), None)
    client.force_login(moderator)
    response = client.get(reverse("dashboard:clip", args=[clip.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1,250,000 views" in html  # the clip's fact
    assert "reach 1,250,000" in html  # the report's statement


def test_review_page_without_reach_shows_a_dash(client, moderator):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    client.force_login(moderator)
    response = client.get(reverse("dashboard:clip", args=[clip.public_id]))
    assert '<dd class="reach">—</dd>' in response.content.decode()


def test_api_detail_and_list_show_the_reach(api_client_for, moderator, reporter):
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW, submitted_by=reporter)
    report_existing(clip, Submission(reach=42), reporter)
    detail = api_client_for(moderator).get(f"{URL}{clip.public_id}/").json()
    assert detail["reach"] == 42
    assert [r["reach"] for r in detail["report_log"]] == [42]
    own = api_client_for(reporter).get(f"{URL}{clip.public_id}/").json()
    assert own["reach"] == 42
    listed = api_client_for(moderator).get(URL).json()
    assert [row["reach"] for row in listed["results"]] == [42]


def test_evidence_pack_states_the_reach():
    clip = ClipFactory(reach=3_000_000)
    assert json.loads(json.dumps(_provenance(clip), default=str))["reach"] == 3_000_000


def test_operators_see_the_reach_in_the_admin_but_cannot_edit_it(client, admin_user, reporter):
    clip = ClipFactory(reach=1_500_000)
    Report.objects.create(clip=clip, reporter=reporter, reach=1_500_000)
    client.force_login(admin_user)
    page = client.get(f"/admin/dashboard/clip/{clip.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="reach"' not in html and "1500000" in html
    listing = client.get("/admin/dashboard/clip/").content.decode()
    assert "1500000" in listing
