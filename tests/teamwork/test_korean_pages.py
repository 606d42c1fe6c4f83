"""The team-workflow pages a moderator works through, in Korean: a decision held for a second
moderator, an appeal and the form that records one (tests/dashboard/test_korean_desk.py has the
checker and the other pages)."""

import pytest
from django.urls import reverse

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus
from dashboard.decisions import DecisionRequest, apply_decision
from teamwork.appeals import file_appeal
from teamwork.models import PendingDecision
from tests.dashboard.test_korean_desk import KO, WORD, assert_korean
from tests.factories import ClipFactory, PersonFactory
from tests.teamwork.helpers import decided_clip

pytestmark = pytest.mark.django_db


def test_held_decision_page_is_korean(client, moderator, moderator2) -> None:
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    clip.persons.add(PersonFactory(name="김다미", protected=True))
    claim_clip(clip.pk, moderator)
    apply_decision(clip.pk, moderator, DecisionRequest("remove", reason="사칭 계정"))
    pending = PendingDecision.objects.get(clip=clip)
    client.force_login(moderator2)
    page = client.get(reverse("teamwork:pending", args=[pending.pk]), **KO)
    # The rule's name is data (editable in the admin), shown as it is.
    rule_words = {w for name in pending.covered_by for w in WORD.findall(name)}
    html = assert_korean(page, extra=rule_words)
    assert "삭제 판정을 확정할까요?" in html and "번복" in html
    client.force_login(moderator)
    html = assert_korean(
        client.get(reverse("teamwork:pending", args=[pending.pk]), **KO), rule_words
    )
    assert "다른 모더레이터가 확인해야 합니다" in html and "철회" in html


def test_appeal_pages_are_korean(client, moderator, senior, reporter) -> None:
    clip, _decision = decided_clip(moderator, reason="사칭 정책 위반")
    appeal = file_appeal(clip.pk, reporter, "다시 검토해 주세요")
    client.force_login(senior)
    html = assert_korean(client.get(reverse("teamwork:appeals"), **KO))
    assert "플랫폼에서 전달" in html
    html = assert_korean(client.get(reverse("teamwork:appeal", args=[appeal.pk]), **KO))
    assert "결과 기록" in html and "신청인" in html
    html = assert_korean(client.get(reverse("teamwork:appeal_new", args=[clip.public_id]), **KO))
    assert "이의 신청 등록" in html
