"""GET /api/v1/clips/: filters, orderings, cursor pages, bounded queries; moderators only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import Report
from tests.factories import ClipFactory, PersonFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/clips/"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def clips(moderator, label):
    now = timezone.now()
    ana = PersonFactory(name="Ana Example")
    made = {
        "queued": ClipFactory(status=ClipStatus.QUEUED, created_at=now - timedelta(days=3)),
        "low": ClipFactory(
            status=ClipStatus.AWAITING_REVIEW,
            score=0.2,
            platform="Video-Site",
            created_at=now - timedelta(days=2),
        ),
        "high": ClipFactory(
            status=ClipStatus.AWAITING_REVIEW,
            score=0.9,
            platform="chat-app",
            created_at=now - timedelta(days=1),
        ),
        "labeled": ClipFactory(status=ClipStatus.AWAITING_REVIEW, score=0.7, created_at=now),
    }
    made["high"].persons.add(ana)
    Report.objects.create(clip=made["low"], reason="impersonation")
    claim_clip(made["labeled"].pk, moderator)
    apply_decision(
        made["labeled"].pk, moderator, DecisionRequest(action="label", labels=[label.slug])
    )
    made["ana"] = ana
    return made


def test_default_order_is_newest_first(api_client_for, moderator, clips):
    response = api_client_for(moderator).get(URL)
    expected = [clips[k].public_id for k in ("labeled", "high", "low", "queued")]
    assert ids(response) == [str(i) for i in expected]
    row = response.json()["results"][0]
    assert row["status"] == "labeled" and row["version"] >= 3 and "detection" not in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=queued", {"queued"}),
        ("status=awaiting_review&status=queued", {"queued", "low", "high"}),
        ("score_min=0.5", {"high", "labeled"}),
        ("score_min=0.5&score_max=0.8", {"labeled"}),
        ("label=face-swap", {"labeled"}),
        ("platform=video-site", {"low"}),
        ("reason=impersonation", {"low"}),
        ("created_after={day_ago}", {"high", "labeled"}),
        ("created_before={day_ago}", {"queued", "low"}),
        ("decided_after={day_ago}", {"labeled"}),
    ],
)
def test_filters(api_client_for, moderator, clips, query, expected):
    day_ago = (timezone.now() - timedelta(days=1, hours=1)).isoformat().replace("+00:00", "Z")
    response = api_client_for(moderator).get(f"{URL}?{query.format(day_ago=day_ago)}")
    assert set(ids(response)) == {str(clips[name].public_id) for name in expected}


def test_filter_by_person(api_client_for, moderator, clips):
    response = api_client_for(moderator).get(f"{URL}?person={clips['ana'].pk}")
    assert ids(response) == [str(clips["high"].public_id)]


@pytest.mark.parametrize("query", ["status=nonsense", "score_min=lots", "created_after=yesterday"])
def test_bad_filters_are_400_in_the_error_format(api_client_for, moderator, clips, query):
    response = api_client_for(moderator).get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["fields"]


def test_order_by_score_puts_unscored_last(api_client_for, moderator, clips):
    response = api_client_for(moderator).get(f"{URL}?ordering=-score")
    assert ids(response) == [str(clips[k].public_id) for k in ("high", "labeled", "low", "queued")]
    response = api_client_for(moderator).get(f"{URL}?ordering=score")
    assert ids(response)[0] == str(clips["queued"].public_id)


def test_cursor_pages_walk_every_clip_once(api_client_for, moderator, db):
    made = [ClipFactory(priority=float(i % 3)) for i in range(7)]
    client = api_client_for(moderator)
    seen: list[str] = []
    url = f"{URL}?ordering=-priority&page_size=3"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(str(c.public_id) for c in made)
    priorities = [next(c.priority for c in made if str(c.public_id) == i) for i in seen]
    assert priorities == sorted(priorities, reverse=True)


def test_list_queries_do_not_grow_with_the_page(
    api_client_for, moderator, clips, django_assert_max_num_queries
):
    for _ in range(20):
        clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
        clip.persons.add(clips["ana"])
        Report.objects.create(clip=clip)
    client = api_client_for(moderator)
    # token + its last-use stamp + roles + throttle-free page + persons prefetch
    with django_assert_max_num_queries(8):
        response = client.get(f"{URL}?page_size=24")
    assert len(response.json()["results"]) == 24
    row = next(r for r in response.json()["results"] if r["reports"])
    assert row["persons"] == ["Ana Example"] and row["reports"] == 1


@pytest.mark.parametrize(
    "value", ["0084-12-17T12:33:37+20:42", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"]
)
def test_extreme_instants_are_compared_in_utc(api_client_for, moderator, clips, value):
    response = api_client_for(moderator).get(URL, {"created_after": value})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert set(response.json()["error"]["fields"]) == {"created_after"}
