"""The queue page: priority order, filters, counts, pagination with constant queries, live
scoring progress, and "Next clip"."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus, ReportReason
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.models import AuditEvent, Clip
from desk.queue import (
    SORT_TIME_LEFT,
    QueueFilters,
    filter_clips,
    queue_page,
    status_counts,
)
from tests.factories import (
    ClipFactory,
    DetectionRunFactory,
    DetectorModelFactory,
    PersonFactory,
    ScoredClipFactory,
    decided_clip,
    escalated_clip,
)

pytestmark = pytest.mark.django_db
QUEUE = reverse("dashboard:queue")


def short_ids(response) -> list[str]:
    return [row.clip.short_id for row in response.context["rows"]]


def test_queue_orders_by_priority_then_age(client, moderator):
    old_low = ScoredClipFactory(score=0.3, age=timedelta(hours=5))
    new_high = ScoredClipFactory(score=0.9)
    old_high = ScoredClipFactory(score=0.9, age=timedelta(hours=1))
    client.force_login(moderator)
    response = client.get(QUEUE)
    assert short_ids(response) == [old_high.short_id, new_high.short_id, old_low.short_id]


def test_rows_show_score_reasons_persons_platform_and_holder(client, moderator, moderator2):
    ana = PersonFactory(name="Ana Example", protected=True)
    clip = ScoredClipFactory(
        model=DetectorModelFactory(),
        platform="video-site",
        persons=(ana,),
        reports__reason=ReportReason.IMPERSONATION,
    )
    claim_clip(clip.pk, moderator2)
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    assert 'value="0.900"' in page  # the score bar
    assert "Impersonation" in page
    assert "Ana Example" in page and "protected person" in page
    assert "video-site" in page
    assert "moderator2" in page
    crop = clip.runs.get().crops.get(rank=0)
    assert reverse("dashboard:crop", args=[crop.pk]) in page
    assert 'class="thumb sensitive"' in page


def test_thumbnail_comes_from_the_active_run_not_a_shadow(moderator):
    clip = ScoredClipFactory()
    shadow = DetectionRunFactory(
        clip=clip, model=DetectorModelFactory(name="shadow", is_active=False, is_shadow=True)
    )
    active = DetectionRunFactory(clip=clip, model=DetectorModelFactory(name="baseline"))
    row = queue_page(QueueFilters(), moderator).rows[0]
    assert row.thumb_crop_id == active.crops.get(rank=0).pk
    assert row.thumb_crop_id != shadow.crops.get(rank=0).pk


def test_default_queue_is_open_clips_and_never_escalated_ones_for_moderators(moderator, senior):
    waiting = ScoredClipFactory()
    scoring = ScoredClipFactory(status=ClipStatus.SCORING, score=None)
    decided_clip()
    escalated = escalated_clip()
    assert set(filter_clips(QueueFilters(), moderator)) == {waiting, scoring}
    assert not filter_clips(QueueFilters(status=ClipStatus.ESCALATED), moderator).exists()
    assert list(filter_clips(QueueFilters(status=ClipStatus.ESCALATED), senior)) == [escalated]
    assert ClipStatus.ESCALATED not in [s for s, _, _ in status_counts(moderator)]


def test_counts_per_status_at_the_top(client, moderator):
    for _ in range(3):
        ScoredClipFactory()
    decided_clip("remove")
    client.force_login(moderator)
    counts = {s: n for s, _, n in client.get(QUEUE).context["status_counts"]}
    assert counts[ClipStatus.AWAITING_REVIEW] == 3
    assert counts[ClipStatus.REMOVED] == 1
    assert counts[ClipStatus.QUEUED] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "removed"}, {"removed"}),
        ({"score_band": "high"}, {"high"}),
        ({"score_band": "medium"}, {"medium"}),
        ({"score_band": "low"}, {"low", "old"}),
        ({"score_band": "unscored"}, {"unscored"}),
        ({"platform": "Tube"}, {"medium"}),
        ({"person": "ana"}, {"high"}),
        ({"reason": "impersonation"}, {"low"}),
        ({"q": "kiss"}, {"medium"}),
        ({"q": "Ana Ex"}, {"high"}),
        ({"received_to": "DAYS_AGO_3"}, {"old"}),
        ({"received_from": "DAYS_AGO_1"}, {"high", "medium", "low", "unscored"}),
        ({"label": "face-swap"}, {"removed"}),
        (
            {"score_band": "bogus", "status": "nonsense"},
            {"high", "medium", "low", "unscored", "old"},
        ),
    ],
)
def test_filters(client, moderator, params, expected):
    ana = PersonFactory(name="Ana Example")
    clips = {
        "high": ScoredClipFactory(score=0.95, persons=(ana,)),
        "medium": ScoredClipFactory(score=0.6, platform="tube", caption="a kiss, off-screen"),
        "low": ScoredClipFactory(score=0.1, reports__reason=ReportReason.IMPERSONATION),
        "unscored": ScoredClipFactory(score=None),
        "old": ScoredClipFactory(score=0.2, age=timedelta(days=5)),
    }
    removed = ScoredClipFactory()
    claim_clip(removed.pk, moderator)
    apply_decision(removed.pk, moderator, DecisionRequest("remove", ["face-swap"], reason="p"))
    clips["removed"] = removed
    for key, value in params.items():
        if value.startswith("DAYS_AGO_"):
            day = timezone.localdate() - timedelta(days=int(value.rsplit("_", 1)[1]))
            params[key] = day.isoformat()
    client.force_login(moderator)
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    assert set(short_ids(response)) == {clips[name].short_id for name in expected}


def test_search_by_short_id(client, moderator):
    wanted = ScoredClipFactory()
    ScoredClipFactory()
    client.force_login(moderator)
    response = client.get(QUEUE, {"q": wanted.short_id})
    assert short_ids(response) == [wanted.short_id]


def test_htmx_filtering_returns_only_the_results(client, moderator):
    ScoredClipFactory()
    client.force_login(moderator)
    response = client.get(QUEUE, {"q": ""}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<table" in body and "<html" not in body


def _queue_queries(client, model, moderator2, n: int, per_page: int) -> int:
    ana, bo = PersonFactory(), PersonFactory(protected=True)
    for i in range(n):
        clip = ScoredClipFactory(model=model, score=i / n, reports=2, persons=(ana, bo))
        if i % 3 == 0:
            claim_clip(clip.pk, moderator2)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, {"per_page": per_page})
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(Clip.objects.count(), per_page)
    return len(queries)


def test_queue_query_count_does_not_grow_with_page_size(
    client, moderator, moderator2, django_assert_max_num_queries
):
    client.force_login(moderator)
    model = DetectorModelFactory()
    few = _queue_queries(client, model, moderator2, 10, 25)
    many = _queue_queries(client, model, moderator2, 40, 50)
    assert few == many
    # Session, user, roles, preference, counters, page ids, rows, thumbnails, persons, reports,
    # the queue switcher's queues (with membership) and its grouped count, and the platform
    # presets (the filter's suggestions and the rows' names in one query).
    with django_assert_max_num_queries(15):
        client.get(QUEUE, {"per_page": 50})


def test_pagination(client, moderator):
    for i in range(30):
        ScoredClipFactory(score=i / 100)
    client.force_login(moderator)
    first = client.get(QUEUE)
    assert len(first.context["rows"]) == 25
    cursor = first.context["page"].next_cursor
    assert f"after={cursor}" in first.content.decode()
    second = client.get(QUEUE, {"after": cursor})
    assert len(second.context["rows"]) == 5
    assert not set(short_ids(first)) & set(short_ids(second))
    assert not second.context["page"].next_cursor
    # A link from before keyset pages (?page=2) opens the first page.
    assert short_ids(client.get(QUEUE, {"page": 2})) == short_ids(first)


def test_scoring_clips_poll_a_progress_fragment_until_done(client, moderator):
    clip = ScoredClipFactory(
        status=ClipStatus.SCORING, score=None, scoring_done=3, scoring_total=12
    )
    client.force_login(moderator)
    page = client.get(QUEUE).content.decode()
    url = reverse("dashboard:progress", args=[clip.public_id])
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 2s"' in page
    fragment = client.get(url)
    assert fragment.status_code == 200
    assert 'max="12" value="3"' in fragment.content.decode()
    Clip.objects.filter(pk=clip.pk).update(
        status=ClipStatus.AWAITING_REVIEW, score=0.7, scoring_done=12
    )
    done = client.get(url)
    assert done.status_code == 286  # htmx stops polling
    assert "hx-trigger" not in done.content.decode()
    assert 'value="0.700"' in done.content.decode()


def test_next_clip_claims_the_highest_priority_clip(client, moderator):
    ScoredClipFactory(score=0.2)
    top = ScoredClipFactory(score=0.9)
    client.force_login(moderator)
    response = client.post(reverse("dashboard:next"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:clip", args=[top.public_id])
    top.refresh_from_db()
    assert top.status == ClipStatus.IN_REVIEW and top.claimed_by == moderator
    assert AuditEvent.objects.filter(clip=top, action="claim.claimed").exists()


def test_next_clip_skips_and_releases_the_clip_being_left(client, moderator):
    top = ScoredClipFactory(score=0.9)
    second = ScoredClipFactory(score=0.5)
    client.force_login(moderator)
    client.post(reverse("dashboard:next"))
    response = client.post(reverse("dashboard:next"), {"release": str(top.public_id)})
    assert response["Location"] == reverse("dashboard:clip", args=[second.public_id])
    top.refresh_from_db()
    assert top.status == ClipStatus.AWAITING_REVIEW and top.claimed_by is None


def test_next_clip_on_an_empty_queue_says_so(client, moderator):
    client.force_login(moderator)
    response = client.post(reverse("dashboard:next"), follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert "Nothing is waiting" in response.content.decode()


def test_escalations_page_lists_escalated_clips_for_seniors(client, senior):
    escalated = escalated_clip()
    ScoredClipFactory()
    client.force_login(senior)
    response = client.get(reverse("dashboard:escalations"))
    assert short_ids(response) == [escalated.short_id]
    assert 'name="escalated" value="1"' in response.content.decode()


def test_queue_sorts_by_time_left_when_asked(moderator, client, settings):
    settings.UNMASK_SLA_HOURS_HIGH = 4.0
    settings.UNMASK_SLA_HOURS_NORMAL = 24.0
    settings.UNMASK_SLA_HIGH_PRIORITY = 100.0
    old_normal = ClipFactory(
        status=ClipStatus.AWAITING_REVIEW,
        priority=50,
        created_at=timezone.now() - timedelta(hours=23),
    )
    new_high = ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=150)
    by_priority = list(filter_clips(QueueFilters(), moderator))
    by_deadline = list(filter_clips(QueueFilters(sort=SORT_TIME_LEFT), moderator))
    assert by_priority == [new_high, old_normal]
    assert by_deadline == [old_normal, new_high]
    client.force_login(moderator)
    page = client.get("/", {"sort": SORT_TIME_LEFT})
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index(old_normal.short_id) < body.index(new_high.short_id)


def test_queue_rows_escape_what_uploaders_wrote(moderator, client):
    hostile = "<img src=x onerror=alert(1)>"
    clip = ClipFactory(
        status=ClipStatus.AWAITING_REVIEW,
        original_filename=hostile + ".mp4",
        caption=hostile,
        platform=hostile,
    )
    clip.persons.add(PersonFactory(name=hostile, protected=True))
    client.force_login(moderator)
    body = client.get("/").content.decode()
    assert "<img src=x" not in body
    assert body.count("&lt;img src=x onerror=alert(1)&gt;") == 4
    assert 'title="protected person"' in body
