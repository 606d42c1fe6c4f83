"""The queue at a million clips: keyset pages, counters the database keeps, indexed search,
and query counts that do not depend on how many clips there are (issue 21)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import counters, keyset
from dashboard.constants import ClipStatus, Role
from dashboard.models import Clip
from dashboard.roles import set_role
from dashboard.search import caption_matches
from desk.queue import (
    COUNT_CAP,
    PRIORITY_ORDER,
    SORT_TIME_LEFT,
    QueueFilters,
    queue_page,
    status_counts,
)
from tests.factories import ClipFactory, PersonFactory, ScoredClipFactory, UserFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("dashboard:queue")


def walk(user, filters: QueueFilters | None = None, per_page: int = 25, between=None):
    """Every page from the first, following next_cursor; `between(n)` runs after page n."""
    seen, cursor, pages = [], None, 0
    while True:
        page = queue_page(filters or QueueFilters(), user, cursor, per_page)
        seen += [row.clip.pk for row in page.rows]
        pages += 1
        if between:
            between(pages)
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor


def test_pages_cover_every_open_clip_once_across_statuses_and_ties(moderator):
    # Many equal priorities and equal arrival times: only the id breaks those ties.
    same = timezone.now() - timedelta(hours=1)
    clips = [
        ScoredClipFactory(score=(i % 3) / 10, created_at=same, status=status)
        for i, status in enumerate(
            [ClipStatus.AWAITING_REVIEW, ClipStatus.IN_REVIEW, ClipStatus.QUEUED] * 20
        )
    ]
    ScoredClipFactory(status=ClipStatus.APPROVED)  # not in the open queue
    seen, pages = walk(moderator)
    assert pages == 3
    assert len(seen) == len(set(seen)) == 60
    expected = sorted(clips, key=lambda c: (-c.priority, c.created_at, c.pk))
    assert seen == [c.pk for c in expected]


def test_no_duplicates_or_gaps_while_clips_arrive_between_pages(moderator):
    for i in range(50):
        ScoredClipFactory(score=i / 100)
    before = set(Clip.objects.values_list("pk", flat=True))
    arrived = []

    def arrive(page: int) -> None:
        # New clips land before and after the cursor while the moderator pages through.
        arrived.append(ScoredClipFactory(score=0.99).pk)  # ahead of every cursor
        arrived.append(ScoredClipFactory(score=0.001).pk)  # behind it

    seen, _ = walk(moderator, per_page=10, between=arrive)
    assert len(seen) == len(set(seen)), "a clip was shown twice"
    assert before <= set(seen), "a clip that was there all along was skipped"
    # Those that arrived behind the cursor are reached; those ahead of it are not re-shown.
    assert set(arrived[1:-2:2]) <= set(seen)  # the last pair came after the last page


def test_time_left_order_pages_too(moderator, settings):
    for i in range(30):
        ScoredClipFactory(score=i / 30, age=timedelta(minutes=i))
    filters = QueueFilters(sort=SORT_TIME_LEFT)
    seen, pages = walk(moderator, filters, per_page=25)
    assert pages == 2 and len(set(seen)) == 30
    whole = queue_page(filters, moderator, None, 100)
    assert seen == [row.clip.pk for row in whole.rows]


def test_a_cursor_that_is_not_ours_opens_the_first_page(moderator):
    for i in range(3):
        ScoredClipFactory(score=i / 10)
    first = [row.clip.pk for row in queue_page(QueueFilters(), moderator).rows]
    for bogus in ("nonsense", "W10", keyset.encode([1, 2]), "x" * 2000, keyset.encode([[], 1, 2])):
        page = queue_page(QueueFilters(), moderator, bogus)
        assert [row.clip.pk for row in page.rows] == first
        assert page.first


def test_keyset_after_is_the_order_it_names():
    keys = PRIORITY_ORDER
    now = timezone.now()
    clips = [
        ClipFactory(priority=p, created_at=now - timedelta(seconds=s))
        for p, s in [(5, 1), (5, 1), (5, 2), (3, 9), (7, 0)]
    ]
    ordered = list(Clip.objects.order_by(*keyset.order_by(keys)))
    for i, clip in enumerate(ordered):
        rest = Clip.objects.filter(keyset.after(keys, keyset.row_key(keys, clip)))
        assert list(rest.order_by(*keyset.order_by(keys))) == ordered[i + 1 :]
    assert len(clips) == 5


def test_status_counters_follow_every_kind_of_write(moderator):
    ScoredClipFactory()
    Clip.objects.bulk_create(
        [ClipFactory.build(status=ClipStatus.APPROVED, sha256=f"{i:064x}") for i in range(3)]
    )
    Clip.objects.filter(status=ClipStatus.APPROVED).update(status=ClipStatus.REMOVED)
    Clip.objects.filter(status=ClipStatus.REMOVED).first().delete()
    counts = counters.status_counts()
    assert counts == {ClipStatus.AWAITING_REVIEW: 1, ClipStatus.REMOVED: 2}
    assert counters.compact_status_counts() > 0
    assert counters.status_counts() == counts
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {counters.TABLE}")  # noqa: S608 - a constant
        assert cursor.fetchone()[0] == 2
    # Exactly what counting the clips gives.
    for status, n in counts.items():
        assert Clip.objects.filter(status=status).count() == n


def test_counters_rebuilt_when_a_trigger_went_missing(moderator):
    ScoredClipFactory()
    name = next(iter(counters._existing(connection)))
    on = "" if connection.vendor == "sqlite" else f" ON {Clip._meta.db_table}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {name}{on}")
    ScoredClipFactory()  # may go uncounted while the trigger is missing
    assert counters.install_triggers() is True
    assert counters.status_counts() == {ClipStatus.AWAITING_REVIEW: 2}
    assert counters.install_triggers() is False


def test_tabs_and_total_read_the_counters_not_the_clips(client, moderator, monkeypatch):
    for _ in range(3):
        ScoredClipFactory()
    monkeypatch.setattr(counters, "status_counts", lambda using="default": {"awaiting_review": 7})
    client.force_login(moderator)
    response = client.get(QUEUE)
    assert response.context["page"].total == 7
    tabs = {s: n for s, _, n in response.context["status_counts"]}
    assert tabs[ClipStatus.AWAITING_REVIEW] == 7
    assert "Kept by the database as clips change" in response.content.decode()
    assert dict((s, n) for s, _, n in status_counts(moderator))["awaiting_review"] == 7


def test_filtered_total_is_capped_and_says_so(client, moderator, monkeypatch):
    monkeypatch.setattr("desk.queue.COUNT_CAP", 3)
    for _ in range(5):
        ScoredClipFactory(score=0.95)
    ScoredClipFactory(score=0.1)
    client.force_login(moderator)
    response = client.get(QUEUE, {"score_band": "high"})
    page = response.context["page"]
    assert (page.total, page.total_capped) == (3, True)
    assert "More than 3 clips" in response.content.decode()
    exact = client.get(QUEUE, {"score_band": "low"}).context["page"]
    assert (exact.total, exact.total_capped) == (1, False)
    assert COUNT_CAP == 1000


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("kiss", {"kiss"}),
        ("KISS, OFF", {"kiss"}),  # case-insensitive, punctuation and spaces inside
        ("ss, o", {"kiss"}),  # any substring of three characters or more
        ('"quoted"', {"quote"}),  # FTS5 syntax is searched for, not obeyed
        ("zz", {"zz"}),  # shorter than a trigram: still found
        ("Ana Ex", {"ana"}),  # a depicted person's name
        ("nothing-like-it", set()),
    ],
)
def test_search_through_the_caption_index(moderator, text, found):
    ana = PersonFactory(name="Ana Example")
    clips = {
        "kiss": ScoredClipFactory(caption="a kiss, off-screen"),
        "quote": ScoredClipFactory(caption='she said "quoted" twice'),
        "zz": ScoredClipFactory(caption="buzz"),
        "ana": ScoredClipFactory(caption="", persons=(ana,)),
        "other": ScoredClipFactory(caption="unrelated"),
    }
    page = queue_page(QueueFilters(q=text), moderator, None, 100)
    assert {row.clip.pk for row in page.rows} == {clips[name].pk for name in found}


def test_search_index_follows_caption_edits_and_deletes(moderator):
    clip = ScoredClipFactory(caption="first words")
    Clip.objects.filter(pk=clip.pk).update(caption="second thoughts")
    assert not queue_page(QueueFilters(q="first"), moderator).rows
    assert [r.clip.pk for r in queue_page(QueueFilters(q="thoughts"), moderator).rows] == [clip.pk]
    Clip.objects.filter(pk=clip.pk).delete()
    assert not queue_page(QueueFilters(q="thoughts"), moderator).rows


def test_search_uses_the_index(moderator):
    ScoredClipFactory(caption="a kiss, off-screen")
    # Unordered, so the planner has no reason to walk another index and filter.
    sql, params = Clip.objects.filter(caption_matches("kiss")).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan, plan
        else:
            # A GIN index is read by a bitmap scan; with sequential and plain index scans
            # off, the plan can only reach the rows through it (or fail the assertion).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "clip_caption_trgm" in plan, plan


def test_short_id_search_is_a_range_of_the_public_id(moderator):
    wanted = ScoredClipFactory()
    ScoredClipFactory()
    for text in (wanted.short_id, wanted.short_id.upper(), str(wanted.public_id)):
        rows = queue_page(QueueFilters(q=text), moderator).rows
        assert [row.clip.pk for row in rows] == [wanted.pk]


def _page_queries(client, django_assert_max_num_queries, params):
    # 14 for the open queue (see test_desk_queue), one more for a capped count or the
    # deadline bands of the time-left order.
    with django_assert_max_num_queries(16) as captured:
        assert client.get(QUEUE, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "kiss"}, {"score_band": "high", "reason": "impersonation"}, {"sort": "time_left"}],
)
def test_query_count_does_not_depend_on_how_many_clips(
    client, moderator, django_assert_max_num_queries, params
):
    client.force_login(moderator)
    ScoredClipFactory(caption="kiss")
    few = _page_queries(client, django_assert_max_num_queries, params)
    for i in range(60):
        ScoredClipFactory(caption=f"kiss {i}", score=i / 60, status=ClipStatus.IN_REVIEW)
    many = _page_queries(client, django_assert_max_num_queries, params)
    cursor = client.get(QUEUE, params).context["page"].next_cursor
    deep = _page_queries(client, django_assert_max_num_queries, {**params, "after": cursor})
    assert few == many == deep


def test_seniors_walk_every_status_they_may_see(db):
    senior = UserFactory()
    set_role(senior, Role.SENIOR)
    for status in ClipStatus.values:
        ScoredClipFactory(status=status)
    seen, _ = walk(senior, QueueFilters(label=""), per_page=3)
    assert len(seen) == 4  # the open queue: queued, scoring, awaiting review, in review


def test_person_page_walks_keyset_pages_newest_first(client, moderator, monkeypatch):
    monkeypatch.setattr("desk.people.PAGE_SIZE", 4)
    ana = PersonFactory()
    clips = [ScoredClipFactory(persons=(ana,)) for _ in range(9)]
    ScoredClipFactory()  # depicts someone else
    client.force_login(moderator)
    url, seen, params = reverse("dashboard:person", args=[ana.pk]), [], {}
    while True:
        page = client.get(url, params).context["page"]
        seen += [clip.pk for clip in page.clips]
        assert page.total == 9
        if not page.next_cursor:
            break
        params = {"after": page.next_cursor}
    assert seen == sorted((c.pk for c in clips), reverse=True)


def test_api_list_filters_never_ask_for_distinct(client, moderator):
    """DISTINCT makes PostgreSQL sort every matching clip before the first page (2.9 s at 1 M
    clips for status + reason, bench/queue_page.py); none of these filters needs it."""
    ana = PersonFactory()
    ScoredClipFactory(persons=(ana,), reports=2)
    client.force_login(moderator)
    params = {"status": ["awaiting_review", "queued"], "reason": "deepfake", "person": ana.pk}
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/clips/", {**params, "ordering": "-priority"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1  # two reports, one row
    listing = [q["sql"] for q in queries if 'FROM "dashboard_clip"' in q["sql"]]
    assert listing and not any("DISTINCT" in sql for sql in listing), listing
