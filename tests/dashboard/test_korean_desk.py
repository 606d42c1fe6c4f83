"""The desk in Korean: the pages translated so far render with no English left (outside an
allow-list of codes and names), a Korean user sees Seoul times with the zone's abbreviation, the
profile page stores language and time zone, and API errors keep their code in any language."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from zoneinfo import available_timezones

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard.claims import claim_clip
from dashboard.decisions import DecisionRequest, apply_decision
from dashboard.locale import SESSION_KEY
from dashboard.models import DeskPreference
from tests.factories import PersonFactory, ScoredClipFactory

pytestmark = pytest.mark.django_db

KO = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9,en;q=0.5"}

# ASCII words that stay as they are in Korean: the product, standards and codes, the test's
# user names, and the admin's model name the 2FA page points to (the admin is not translated).
ALLOWED = {
    "Unmask",
    "Enter",  # a key's name on the keyboard
    "IPTC",  # the standard's name (its DigitalSourceType field)
    "SLA",
    "TOTP",
    "URL",
    "ID",
    "English",  # the language menu names each language in itself
    "UTC",
    "AI",  # written so in Korean too ("AI 생성")
    "KST",
    "devices",  # "TOTP devices", the admin's name for them
    "moderator",
    "senior",
    "reporter",
    "Asia",
    "Seoul",
}
# Elements whose text is code, keys or a region rendered by a template not translated yet; and
# elements marked lang="en": text the apps' evidence providers write in English (signals).
SKIPPED_TAGS = {"script", "style", "code", "kbd"}
SKIPPED_IDS: set[str] = set()
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
# Whole words only: the letters inside a hex id ("3fcb12de") are not a word.
WORD = re.compile(r"\b[A-Za-z][A-Za-z'’-]+\b")
URL = re.compile(r"\b[a-z]+://\S+")
# Ids are not words: a UUID's "acba-" or a short id "deadbeef" is hex, whatever letters it has.
IDS = re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b|\b[0-9a-f]{8,}\b")


class _VisibleText(HTMLParser):
    """The text a person reads on a page (and hears: labels and titles)."""

    VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr", "area", "col"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skipped = bool(self.stack and self.stack[-1])
        if not skipped:
            self.parts.extend(values[name] or "" for name in SHOWN_ATTRIBUTES if name in values)
        if tag not in self.VOID:
            # A document quoted as its author wrote it declares its language (a model card,
            # <pre lang="en">): not the desk's text.
            quoted = tag != "html" and (values.get("lang") or "ko")[:2] != "ko"
            self.stack.append(
                skipped or quoted or tag in SKIPPED_TAGS or values.get("id") in SKIPPED_IDS
            )

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


# Names of standards, written the same in Korean.
STANDARDS = re.compile(r"SHA-256|H\.264")


def english_words(html: str, allowed: set[str]) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    text = STANDARDS.sub(" ", IDS.sub(" ", URL.sub(" ", " ".join(parser.parts))))
    return sorted({w for w in WORD.findall(text) if w not in allowed})


def assert_korean(response, extra: set[str] = frozenset()) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert english_words(html, ALLOWED | set(extra)) == []
    return html


def test_login_page_is_korean(client) -> None:
    html = assert_korean(client.get(reverse("login"), **KO))
    assert "로그인" in html and "비밀번호" in html


def test_two_factor_pages_are_korean(client, moderator) -> None:
    client.force_login(moderator)
    assert "인증 앱" in assert_korean(client.get(reverse("otp_setup"), **KO))
    TOTPDevice.objects.create(user=moderator, name="phone", confirmed=True)
    assert_korean(client.get(reverse("otp_setup"), **KO), extra={"phone"})
    assert "6자리" in assert_korean(client.get(reverse("otp_verify"), **KO))


def test_queue_upload_and_profile_pages_are_korean(client, moderator) -> None:
    ScoredClipFactory(persons=(PersonFactory(name="김다미"),))
    client.force_login(moderator)
    html = assert_korean(client.get(reverse("dashboard:queue"), **KO))
    assert "검토 대기열" in html and "다음 클립" in html
    assert "동영상 또는 사진" in assert_korean(client.get(reverse("dashboard:upload"), **KO))
    # The time zone menu lists IANA names ("Asia/Seoul"): names, left as they are.
    zone_words = {w for zone in available_timezones() for w in WORD.findall(zone)}
    assert "시간대" in assert_korean(client.get(reverse("profile"), **KO), extra=zone_words)


def test_person_and_audit_pages_are_korean(client, senior, moderator) -> None:
    person = PersonFactory(name="김다미", aliases=["金多美"])
    clip = ScoredClipFactory(persons=(person,))
    claim_clip(clip.pk, moderator)
    apply_decision(clip.pk, moderator, DecisionRequest("label", ["face-swap"]))
    client.force_login(senior)
    # A senior is offered the name's romanisations as aliases: names, left as they are.
    html = assert_korean(
        client.get(reverse("dashboard:person", args=[person.pk]), **KO),
        extra={"Gim", "Kim", "Da-mi"},
    )
    assert "라벨 지정" in html and "김다미 님이 등장하는 클립 1개" in html
    # Audit actions are machine codes (<code>), shown as they are.
    html = assert_korean(client.get(reverse("dashboard:audit"), **KO))
    assert "감사 로그" in html and "기록 " in html


def test_team_workflow_pages_are_korean(client, senior) -> None:
    ScoredClipFactory(persons=(PersonFactory(name="최우식"),))
    client.force_login(senior)
    assert "확인 대기열" in assert_korean(client.get(reverse("teamwork:confirmations"), **KO))
    assert "이의 신청" in assert_korean(client.get(reverse("teamwork:appeals"), **KO))
    # SLA band names are data, editable in the admin ("high", "normal" by default).
    html = assert_korean(client.get(reverse("teamwork:sla"), **KO), extra={"high", "normal"})
    assert "남은 시간순 미판정 클립" in html and "UTC" in html


def test_english_is_still_the_default(client, moderator) -> None:
    client.force_login(moderator)
    html = client.get(reverse("dashboard:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "Next clip" in html


def test_a_korean_user_sees_seoul_times_with_the_zone(client, senior, moderator) -> None:
    DeskPreference.objects.create(user=senior, language="ko", time_zone="Asia/Seoul")
    person = PersonFactory(name="김다미")
    clip = ScoredClipFactory(
        persons=(person,), created_at=datetime(2026, 12, 2, 21, 41, tzinfo=UTC)
    )
    client.force_login(senior)
    # No Accept-Language: the stored preference decides the language, and the zone.
    html = client.get(reverse("dashboard:person", args=[person.pk])).content.decode()
    assert '<html lang="ko">' in html
    assert "2026-12-03 06:41 KST" in html and "21:41" not in html
    clip.refresh_from_db()
    assert clip.created_at == datetime(2026, 12, 2, 21, 41, tzinfo=UTC)  # stored in UTC


def test_without_a_preference_times_are_in_the_default_zone(client, senior, settings) -> None:
    person = PersonFactory(name="Ana")
    ScoredClipFactory(persons=(person,), created_at=datetime(2026, 12, 2, 21, 41, tzinfo=UTC))
    client.force_login(senior)
    html = client.get(reverse("dashboard:person", args=[person.pk])).content.decode()
    assert "2026-12-02 21:41 UTC" in html


def test_profile_page_stores_language_and_time_zone(client, moderator) -> None:
    client.force_login(moderator)
    response = client.post(reverse("profile"), {"language": "ko", "time_zone": "Asia/Seoul"})
    assert response.status_code == 302
    preference = DeskPreference.objects.get(user=moderator)
    assert (preference.language, preference.time_zone) == ("ko", "Asia/Seoul")
    assert client.session[SESSION_KEY] == ["ko", "Asia/Seoul"]
    page = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ko">' in page and "프로필을 저장했습니다." in page and "KST" in page
    # Back to "as my browser asks": Accept-Language decides again.
    client.post(reverse("profile"), {"language": "", "time_zone": ""})
    page = client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in page


def test_profile_page_refuses_an_unknown_zone(client, moderator) -> None:
    client.force_login(moderator)
    response = client.post(reverse("profile"), {"language": "ko", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert not DeskPreference.objects.filter(user=moderator).exists()


def test_api_error_message_is_korean_and_its_code_stays(api_client_for, moderator) -> None:
    clip = ScoredClipFactory()
    claim_clip(clip.pk, moderator)
    apply_decision(clip.pk, moderator, DecisionRequest("approve"))
    client = api_client_for(moderator)
    url = f"/api/v1/clips/{clip.public_id}/claim/"
    english = client.post(url, HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    korean = client.post(url, HTTP_ACCEPT_LANGUAGE="ko").json()["error"]
    assert english["code"] == korean["code"] == "already_decided"
    assert english["message"] == f"Clip {clip.short_id} was already decided."
    assert korean["message"] == f"클립 {clip.short_id}은(는) 이미 판정되었습니다."


def test_api_not_found_is_korean(api_client_for, moderator) -> None:
    client = api_client_for(moderator)
    body = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="ko").json()
    assert body == {"error": {"code": "not_found", "message": "요청한 항목을 찾을 수 없습니다."}}


def test_committed_mo_files_match_their_catalogs() -> None:
    call_command("compile_messages_py", "--check")
