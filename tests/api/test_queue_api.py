"""The API's routed queues: `queue` on items, the `?queue=` filter, Next clip from one queue,
a senior's move, the queue list, and what the schema says about them."""

import pytest
import yaml

from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Queue
from tests.factories import ClipFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/clips/"


def q(slug):
    return Queue.objects.get(slug=slug)


@pytest.fixture
def routed():
    return {
        "reach": ClipFactory(status=ClipStatus.AWAITING_REVIEW, queue=q("high-reach"), priority=50),
        "general": ClipFactory(status=ClipStatus.AWAITING_REVIEW, queue=q("general"), priority=9),
        "unrouted": ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=5),
    }


def test_items_carry_their_queue_in_the_list_and_the_detail(api_client_for, moderator, routed):
    client = api_client_for(moderator)
    rows = {row["id"]: row["queue"] for row in client.get(URL).json()["results"]}
    assert rows == {
        str(routed["reach"].public_id): "high-reach",
        str(routed["general"].public_id): "general",
        str(routed["unrouted"].public_id): "general",
    }
    detail = client.get(f"{URL}{routed['reach'].public_id}/").json()
    assert detail["queue"] == "high-reach"


def test_queue_filter_general_includes_items_not_routed_yet(api_client_for, moderator, routed):
    client = api_client_for(moderator)

    def listed(slug):
        response = client.get(URL, {"queue": slug})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert listed("high-reach") == {str(routed["reach"].public_id)}
    assert listed("general") == {
        str(routed["general"].public_id),
        str(routed["unrouted"].public_id),
    }
    assert listed("photos") == set()


def test_unknown_queue_filter_is_a_clear_400(api_client_for, moderator, routed):
    response = api_client_for(moderator).get(URL, {"queue": "no-such-queue"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "invalid" and "queue" in body["error"]["fields"]


def test_list_queries_do_not_grow_with_the_number_of_queues(
    api_client_for, moderator, routed, django_assert_max_num_queries
):
    client = api_client_for(moderator)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(20):
        ClipFactory(
            status=ClipStatus.AWAITING_REVIEW,
            queue=Queue.objects.create(name=f"Market {n}", slug=f"market-{n}"),
        )
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(URL).json()["results"]) == 23


def test_next_clip_from_one_queue_and_refused_for_a_queue_not_worked(
    api_client_for, moderator, moderator2, routed
):
    client = api_client_for(moderator)
    response = client.post(f"{URL}next/", {"queue": "general"}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == str(routed["general"].public_id)
    assert response.json()["queue"] == "general"
    q("high-reach").members.add(moderator2)
    refused = client.post(f"{URL}next/", {"queue": "high-reach"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_a_member"


def test_a_senior_moves_an_item_and_a_moderator_is_refused(
    api_client_for, moderator, senior, routed
):
    path = f"{URL}{routed['reach'].public_id}/queue/"
    refused = api_client_for(moderator).post(path, {"queue": "general"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    moved = api_client_for(senior).post(path, {"queue": "general", "note": "x"}, format="json")
    assert moved.status_code == 200
    assert moved.json() == {
        "id": str(routed["reach"].public_id),
        "queue": "general",
        "queue_pinned": True,
    }
    assert AuditEvent.objects.filter(clip=routed["reach"], action="queue.moved").count() == 1
    unknown = api_client_for(senior).post(path, {"queue": "nope"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_queue"


def test_queue_list_with_counts_and_membership(api_client_for, moderator, moderator2, routed):
    q("photos").members.add(moderator2)
    rows = {row["slug"]: row for row in api_client_for(moderator).get("/api/v1/queues/").json()}
    assert rows["general"]["open_items"] == 2 and rows["high-reach"]["open_items"] == 1
    assert rows["general"]["worked_by_you"] and not rows["photos"]["worked_by_you"]


def test_reporters_see_no_queues(api_client_for, reporter, routed):
    assert api_client_for(reporter).get("/api/v1/queues/").status_code == 403


def test_schema_documents_the_queue_field_and_filter(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    components = schema["components"]["schemas"]
    assert components["ClipList"]["properties"]["queue"]["type"] == "string"
    assert components["ClipDetail"]["properties"]["queue"]["type"] == "string"
    assert "queue" not in components["Clip"]["properties"]  # reporters' view
    listing = schema["paths"]["/api/v1/clips/"]["get"]
    assert any(p["name"] == "queue" for p in listing["parameters"])
    assert "queue" in components["NextClipRequestRequest"]["properties"]
    assert "/api/v1/clips/{public_id}/queue/" in schema["paths"]
    assert "/api/v1/queues/" in schema["paths"]
