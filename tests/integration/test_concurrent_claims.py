"""Many moderators pressing "Next clip" at the same instant each get a different clip."""

import threading

import pytest
from django.db import connection

from dashboard.claims import claim_next_clip
from dashboard.constants import ClipStatus, Role
from dashboard.models import Clip
from tests.conftest import _user
from tests.factories import ClipFactory

MODERATORS = 8
ROUNDS = 3


@pytest.mark.django_db(transaction=True)
def test_simultaneous_next_clip_never_fails_or_double_claims():
    users = [_user(f"mod{i}", Role.MODERATOR) for i in range(MODERATORS)]
    for i in range(MODERATORS * ROUNDS + 4):
        ClipFactory(status=ClipStatus.AWAITING_REVIEW, priority=i)
    errors: list[BaseException] = []
    claimed: list[tuple[int, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(MODERATORS)

    def run(user):
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                clip = claim_next_clip(user)
                with lock:
                    claimed.append((user.pk, clip.pk if clip else None))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    # Each moderator holds one clip at a time in the desk's flow, but claim_next_clip keeps
    # claiming here: every clip is held by exactly one person, and nobody got nothing.
    holders = dict(Clip.objects.filter(claimed_by__isnull=False).values_list("pk", "claimed_by"))
    per_clip = {}
    for user_id, clip_id in claimed:
        assert clip_id is not None
        per_clip.setdefault(clip_id, set()).add(user_id)
    assert all(len(users_) == 1 for users_ in per_clip.values()), per_clip
    assert set(per_clip) == set(holders)
