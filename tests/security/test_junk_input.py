"""No 5xx from junk: every desk form and query string, driven by hypothesis, as every role.

Each endpoint gets its own test; hypothesis draws the role (moderator, senior, admin,
reporter, a user without a role, anonymous) and a dict of parameters mixing the endpoint's
real field names with junk values (out-of-range dates, negative and huge numbers, non-UUIDs,
control characters, long strings). The only assertion is the one that matters here: the
desk answers with something below 500.
"""

import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus, Role
from tests.conftest import _user
from tests.factories import ClipFactory, PersonFactory

NASTY = [
    "",
    "0",
    "-1",
    "1",
    "2",
    "99999999999999999999999",
    "1e309",
    "nan",
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59:59",
    "2024-02-30",
    "../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
    "\x00",
    "a\x00b",
    '=HYPERLINK("http://x")',
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\u202e\u200b",
    "x" * 5000,
    str(uuid.uuid4()),
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    "approve",
    "remove",
    "label",
    "escalate",
    "true",
    "on",
]
JUNK = st.one_of(st.sampled_from(NASTY), st.dates().map(str), st.text(max_size=40))

ROLES = ("moderator", "senior", "admin", "reporter", "outsider", "anonymous")


def _params(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    keys = st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=10))
    return st.dictionaries(keys, JUNK, max_size=len(names) + 2)


QUEUE = ("q", "status", "score_band", "label", "platform", "person", "reason",
         "received_from", "received_to", "sort", "per_page", "page")  # fmt: skip
RANGE = ("start", "end")
DECISION = ("action", "labels", "reason", "note", "expected_version")


@pytest.fixture
def desk(db):
    """One user per role, a logged-in client for each, and the objects the URLs name."""
    users = {
        "moderator": _user("moderator", Role.MODERATOR),
        "senior": _user("senior", Role.SENIOR),
        "admin": _user("admin", Role.ADMIN),
        "reporter": _user("reporter", Role.REPORTER),
        "outsider": _user("outsider", None),
    }
    clients = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role in users:
            client.force_login(users[role])
        clients[role] = client
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    claim_clip(clip.pk, users["moderator"])
    person = PersonFactory()
    return {"clients": clients, "clip": clip, "person": person}


def _endpoints(clip_id: str, person_id: int) -> list[tuple[str, str, tuple[str, ...]]]:
    c = f"/clips/{clip_id}"
    return [
        ("get", "/", QUEUE),
        ("get", "/escalations/", QUEUE),
        ("get", "/audit/", ("clip", "user", "action", "date_from", "date_to", "page")),
        ("get", f"/persons/{person_id}/", ("page",)),
        ("get", f"{c}/", ()),
        ("get", f"{c}/media/", ()),
        ("get", f"{c}/progress/", ()),
        ("post", "/next/", ("release", "escalated")),
        ("post", "/preferences/blur/", ("blur", "next")),
        ("post", f"{c}/heartbeat/", ()),
        ("post", f"{c}/release/", ()),
        ("post", f"{c}/decide/", DECISION),
        ("post", f"{c}/notes/", ("note",)),
        ("post", f"{c}/persons/", ("name",)),
        ("post", f"{c}/persons/{person_id}/remove/", ()),
        ("get", "/insight/", RANGE),
        ("get", "/insight/calibration/", ("model",)),
        ("get", "/insight/export/decisions.csv", RANGE),
        ("get", "/insight/export/audit.json", RANGE),
        ("get", "/insight/second-opinions/", ()),
        ("get", "/team/confirmations/", ("page",)),
        ("get", "/team/appeals/", ("page", "status")),
        ("get", "/team/sla/", ()),
        ("post", f"/team/clips/{clip_id}/appeal/", ("reason", "note", "statement")),
        ("post", f"/team/clips/{clip_id}/evidence/", ("reason", "note")),
        ("get", "/provenance/references/", ()),
        ("post", "/provenance/references/", ("person", "title")),
    ]


ENDPOINT_NAMES = [f"{method} {path}" for method, path, _ in _endpoints("CLIP", 0)]


@pytest.mark.parametrize("index", range(len(ENDPOINT_NAMES)), ids=ENDPOINT_NAMES)
def test_desk_never_answers_junk_with_a_server_error(desk, index):
    clip_id = str(desk["clip"].public_id)
    method, path, names = _endpoints(clip_id, desk["person"].pk)[index]

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        derandomize=True,
    )
    @given(role=st.sampled_from(ROLES), params=_params(names or ("page",)))
    def run(role: str, params: dict[str, str]) -> None:
        client = desk["clients"][role]
        response = getattr(client, method)(path, params)
        assert response.status_code < 500, (role, params, response.status_code)

    run()


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("get", "/insight/", {"start": "9999-12-31", "end": "9999-12-31"}),
        ("get", "/insight/", {"end": "0001-01-01"}),
        ("get", "/insight/export/decisions.csv", {"start": "9999-12-31", "end": "9999-12-31"}),
        ("get", "/insight/export/decisions.csv", {"end": "0001-01-01"}),
        ("post", "/next/", {"release": "not-a-uuid"}),
        ("post", "/preferences/blur/", {"blur": "0", "next": "-1"}),
    ],
)
def test_reported_junk_gets_a_clear_answer(desk, method, path, params):
    client = desk["clients"]["senior"]
    response = getattr(client, method)(path, params)
    assert response.status_code < 500
    if path.startswith("/insight/export/"):
        assert response.status_code == 400
