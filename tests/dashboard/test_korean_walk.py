"""Every desk page in Korean, each with the content a moderator meets (not its empty state):
the walk visits every page of the URLconf with `Accept-Language: ko`, fails on English left
outside an allow-list of codes and names, and fails when a page or a desk template is neither
walked nor listed as not being a page.

Not walked, on purpose: the Django admin (Django's own translation, and the admin is for
operators) and Swagger UI (`api-docs`, a vendored page). Binary and JSON endpoints are listed
in NOT_PAGES with what they are; the API's error bodies and the JavaScript catalog have their
own tests below. The desk sends no e-mail (nothing in the code sends one), so there is no
e-mail template to translate.
"""

import io
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard.claims import claim_clip
from dashboard.constants import ClipStatus, DecisionAction, ReportStatement
from dashboard.decisions import DecisionRequest, add_note, apply_decision
from dashboard.models import DeskPreference, Label
from detection.models import DetectorModel
from insight.models import AgreementSample
from provenance.models import BankEntry, BankKind, BankMatch, ClipCredentials, HashBank
from teamwork import evidence
from teamwork.appeals import file_appeal
from teamwork.constants import PackState
from teamwork.models import EvidencePack, PendingDecision
from teamwork.packs import request_pack
from tests.dashboard.test_korean_desk import ALLOWED, KO, WORD, assert_korean, english_words
from tests.factories import (
    ClipFactory,
    DetectionRunFactory,
    DetectorModelFactory,
    PersonFactory,
    ReportFactory,
    ScoredClipFactory,
    decided_clip,
    escalated_clip,
)
from tests.insight.helpers import seed_busy_day

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Templates that are not the desk's: the admin's and Swagger UI's.
NOT_DESK_TEMPLATES = ("admin/", "drf_spectacular/")
# URL names that are no page a person reads, and why; everything else must be walked.
NOT_PAGES = {
    "healthz": "probe for load balancers",
    "readyz": "probe for load balancers",
    "metrics": "Prometheus metrics",
    "api-schema": "OpenAPI document",
    "api-docs": "Swagger UI (vendored, excluded)",
    "javascript-catalog": "the JS catalog: test_javascript_catalog_is_korean",
    "logout": "POST, redirects",
    "dashboard:next": "POST, redirects to a review page",
    "dashboard:blur": "POST, JSON",
    "dashboard:crop": "JPEG",
    "dashboard:media": "video",
    "dashboard:review_media": "video",
    "dashboard:poster": "JPEG",
    "dashboard:contact_sheet": "JPEG",
    "dashboard:heartbeat": "POST, JSON",
    "dashboard:release": "POST, redirects",
    "dashboard:decide": "POST, redirects or JSON: test_desk_json_refusal_is_korean",
    "dashboard:note": "POST, the notes fragment (walked on the review page)",
    "dashboard:person_add": "POST, the persons fragment (walked on the review page)",
    "dashboard:person_remove": "POST, the persons fragment (walked on the review page)",
    "dashboard:report_accept": "POST, redirects",
    "dashboard:report_dismiss": "POST, redirects",
    "teamwork:confirm": "POST, redirects",
    "teamwork:overturn": "POST, redirects",
    "teamwork:withdraw": "POST, redirects",
    "teamwork:appeal_decide": "POST, redirects",
    "teamwork:pack_request": "POST, redirects to the pack page",
    "teamwork:pack_download": "ZIP (its summary: test_evidence_summary_is_korean)",
    "insight:export": "CSV / JSON files",
    "provenance:mark_wrong": "POST, redirects",
    "provenance:reference_media": "JPEG",
    "provenance:change_overlay": "PNG",
    "dashboard:start": "POST, JSON or redirect",
    "dashboard:leave": "POST beacon, 204",
    "dashboard:wellness": "POST, redirects",
    "dashboard:case_decide": "POST, redirects",
    "dashboard:case_add": "POST, redirects",
    "dashboard:case_confirm": "POST, redirects",
    "dashboard:case_remove": "POST, redirects",
    "dashboard:suggestion_resolve": "POST, redirects",
    "dashboard:person_alias_add": "POST, redirects",
    "provenance:tag_banked_persons": "POST, redirects",
    "routing:move": "POST, redirects",
    # Pages whose own tests read them in Korean with assert_korean, on the data they need.
    "dashboard:person_lookup": "test_person_picker.py::test_new_pages_are_korean",
    "dashboard:person_merge": "test_person_picker.py::test_new_pages_are_korean",
    "dashboard:account": "test_case_decisions.py::test_account_and_case_pages_are_korean",
    "dashboard:case": "test_case_decisions.py::test_account_and_case_pages_are_korean",
    "dashboard:cases": "test_case_list.py::test_the_page_is_korean",
    "provenance:reference_imports": "test_reference_import.py, its Korean pages test",
    "provenance:reference_import": "test_reference_import.py, its Korean pages test",
}

# Names and codes the seeded data brings: the detector's name, the insight seed's person and
# platform, the signer and tool in Content Credentials, units and file formats.
DATA_WORDS = {
    "baseline",
    "Ana",
    "tube",
    "Gen",
    "Studio",
    "GenTool",
    "fps",
    "AI",
    "AUC",
    "CSV",
    "JSON",
    "ZIP",
    "MB",
    "KB",
    "dHash",
    "reporter",  # the test users: reporter, admin
    "admin",
    "trainedAlgorithmicMedia",  # a C2PA source type code
}


def url_names(patterns: Iterable[URLPattern | URLResolver], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            # The admin is Django's; the API answers JSON (its errors: test_korean_desk.py and
            # test_api_errors_are_korean_with_stable_codes below).
            if entry.app_name == "admin" or entry.namespace == "api":
                continue
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= url_names(entry.url_patterns, space)
        elif entry.name:
            names.add(prefix + entry.name)
    return names


class Walk:
    """Visits pages in Korean, checks each, and remembers the URL names and templates seen."""

    def __init__(self, client, extra: set[str]) -> None:
        self.client = client
        self.extra = extra
        self.names: set[str] = set()
        self.templates: set[str] = set()

    def page(
        self, url: str, *, status: int = 200, extra: Iterable[str] = (), fragment: bool = False
    ) -> str:
        response = self.client.get(url, **KO)
        self.names.add(resolve(url.split("?")[0]).view_name)
        self.templates |= {t.name for t in response.templates if t.name}
        assert response.status_code == status, url
        response.status_code = 200  # assert_korean checks pages answering 200
        left = english_words(response.content.decode(), ALLOWED | self.extra | set(extra))
        assert left == [], f"{url} shows English: {left}"
        if fragment:  # an htmx fragment: no <html> of its own
            return response.content.decode()
        return assert_korean(response, self.extra | set(extra))

    def login(self, user) -> None:
        self.client.force_login(user)


def _review_clip(moderator, reporter, person):
    """A scored clip with everything the review page can show: a detector run with crops and
    a timeline, a known-fake match and an authentic reference, Content Credentials declaring
    AI, reports (one whose statements await a moderator), a note, and a claim."""
    model = DetectorModelFactory(
        version="0.9",
        model_card="Baseline face-swap detector: trained on synthetic clips only.",
        validation={
            "evaluations": [
                {"data": "synthetic", "items": 1200, "figures": {"auc": 0.91}, "source": "합성"}
            ]
        },
    )
    clip = ScoredClipFactory(
        persons=(person,),
        platform="Naver",
        caption="김다미 열애설 영상",
        source_url="https://tv.naver.example/v/1",
        codec="h264",
        reach=250000,
        reports=0,
        model=model,
    )
    ReportFactory(clip=clip, reporter=reporter, note="본인이 아니라고 소속사가 확인했습니다")
    ReportFactory(
        clip=clip,
        reason="impersonation",
        statement=ReportStatement.PENDING,
        reach=900000,
        subjects=["김다미"],
    )
    fakes = HashBank.objects.create(name="소속사 공유 목록")
    fake = BankEntry.objects.create(
        bank=fakes,
        source="decision",
        decision_action="label",
        labels=["face-swap"],
        frame_hashes=b"",
    )
    BankMatch.objects.create(
        clip=clip,
        entry=fake,
        query_share=0.9,
        bank_share=0.8,
        best_distance=6,
        matched_frames=9,
        transform="mirrored, black band (top, 12 %) removed, cropped ~20 %",
    )
    references = HashBank.objects.create(name="공식 자료", kind=BankKind.REFERENCE)
    reference = BankEntry.objects.create(
        bank=references,
        source="reference",
        person=person,
        title="공식 프로필 사진",
        frame_hashes=b"",
        reference_file="references/profile.jpg",
    )
    BankMatch.objects.create(
        clip=clip, entry=reference, query_share=0.9, bank_share=0.9, best_distance=4,
        matched_frames=9,
    )  # fmt: skip
    ClipCredentials.objects.create(
        clip=clip,
        state="valid",
        signer="Gen Studio",
        signer_org="Gen Studio",
        claim_generator="GenTool",
        source_type="trainedAlgorithmicMedia",
        ai_generated=True,
    )
    claim_clip(clip.pk, moderator)
    add_note(clip.pk, moderator, "입 모양이 음성과 맞지 않습니다")
    return clip


def test_every_desk_page_is_korean(
    client, moderator, moderator2, senior, reporter, admin_user
) -> None:
    person = PersonFactory(name="김다미", aliases=["金多美"], protected=False)
    walk = Walk(client, DATA_WORDS)

    # Signed out: the login.
    walk.page(reverse("login"))

    # --- A moderator's pages ---------------------------------------------------------------
    review = _review_clip(moderator, reporter, person)
    held = ClipFactory(status=ClipStatus.AWAITING_REVIEW, codec="hevc", score=None)
    abstained = ScoredClipFactory(platform="Weverse", reports=0)
    DetectionRunFactory(
        clip=abstained,
        model=review.runs.get().model,
        clip_score=None,
        abstained="no_face",
        faces_found=0,
        crops=0,
    )
    scoring = ClipFactory(status=ClipStatus.SCORING, scoring_total=50, scoring_done=20)
    erased = ScoredClipFactory(reports=0)
    erased.media_erased_at = timezone.now()
    erased.media_erased_under = "보존 정책(판정 후 30일)"
    erased.save(update_fields=["media_erased_at", "media_erased_under"])
    walk.login(moderator)
    html = walk.page(reverse("dashboard:queue") + "?platform=Naver")
    assert "네이버" in html and "<datalist" in html
    walk.page(reverse("dashboard:upload"))
    html = walk.page(reverse("dashboard:clip", args=[review.public_id]))
    for korean in (
        "의심 수준: 결정적",  # a known-fake match fired
        "확인된 조작 영상 #",
        "콘텐츠 자격 증명",
        "좌우 반전",
        "탐지 실행 기록",
        "네이버",
        "얼굴 합성",  # the label taxonomy, in Korean
        "사칭 또는 사기",  # the removal policies, in Korean
        "검토할 신고 내용(1건)",
        "입 모양이 음성과 맞지 않습니다",
    ):
        assert korean in html, korean
    html = walk.page(reverse("dashboard:clip", args=[held.public_id]), extra={"hevc"})
    assert "재생용 사본" in html and "보지 않고 판정" in html
    html = walk.page(reverse("dashboard:clip", args=[abstained.public_id]))
    assert "판정할 수 있는 얼굴을 찾지 못했습니다" in html and "위버스" in html
    assert "보존 정책" in walk.page(reverse("dashboard:clip", args=[erased.public_id]))
    walk.page(reverse("dashboard:progress", args=[scoring.public_id]), fragment=True)
    walk.page(reverse("dashboard:model_card", args=[review.runs.get().model.pk]))
    walk.page(reverse("dashboard:person", args=[person.pk]))
    walk.page(reverse("profile"), extra={w for z in _zones() for w in WORD.findall(z)})
    walk.page(reverse("otp_setup"))
    walk.page(reverse("provenance:references"))

    # A removal of a protected person's clip waits for a second moderator.
    protected = ScoredClipFactory(persons=(PersonFactory(name="최우식", protected=True),))
    claim_clip(protected.pk, moderator)
    apply_decision(
        protected.pk, moderator, DecisionRequest("remove", reason="Impersonation or fraud")
    )
    pending = PendingDecision.objects.get(clip=protected)
    rule_words = {w for name in pending.covered_by for w in WORD.findall(name)}
    walk.page(reverse("teamwork:confirmations"), extra=rule_words)
    walk.page(reverse("teamwork:pending", args=[pending.pk]), extra=rule_words)
    walk.page(reverse("dashboard:clip", args=[protected.public_id]), extra=rule_words)

    # A decided clip: its appeal, evidence packs in each state, the decided review page.
    decided = decided_clip(
        DecisionAction.REMOVE, moderator, reason="Impersonation or fraud", platform="TikTok"
    )
    appeal = file_appeal(decided.pk, reporter, "본인 영상이 맞습니다. 다시 검토해 주세요")
    done = EvidencePack.objects.create(
        clip=decided, requested_by=moderator, state=PackState.DONE, progress=100,
        sha256="ab" * 32, size_bytes=123456, step="done",
    )  # fmt: skip
    building = EvidencePack.objects.create(
        clip=decided, state=PackState.BUILDING, progress=35, step="key frames"
    )
    failed = EvidencePack.objects.create(
        clip=decided, state=PackState.FAILED, step="failed", error="원본 파일을 읽을 수 없습니다"
    )
    html = walk.page(reverse("dashboard:clip", args=[decided.public_id]))
    assert "사칭 또는 사기" in html and "틱톡" in html and "증거 자료 묶음" in html
    for pack in (done, building, failed):
        walk.page(reverse("teamwork:pack", args=[pack.pk]))
    walk.page(reverse("teamwork:appeals"))
    walk.page(reverse("teamwork:appeal", args=[appeal.pk]))
    walk.page(reverse("teamwork:appeal_new", args=[decided.public_id]))

    # A second opinion asked of moderator2 on moderator's decision.
    sampled = decided_clip(DecisionAction.APPROVE, moderator, platform="YouTube", reports=0)
    sample = AgreementSample.objects.create(clip=sampled, first_decision=sampled.decisions.get())
    walk.login(moderator2)
    assert "유튜브" in walk.page(reverse("insight:second_review_queue"))
    walk.page(reverse("insight:second_review", args=[sample.pk]))

    # --- A senior moderator's pages ----------------------------------------------------------
    escalated_clip(moderator, reason="선임 판단이 필요합니다", platform="Instagram")
    walk.login(senior)
    assert "인스타그램" in walk.page(reverse("dashboard:escalations"))
    assert "사칭 또는 사기" in walk.page(reverse("dashboard:audit"))
    walk.page(reverse("teamwork:sla"), extra={"high", "normal"})
    # The dashboards over a day of work (its notes and reasons are English test data, which
    # only the audit log above would show).
    DetectorModel.objects.update(is_active=False)  # the busy day registers its own model
    seed_busy_day(moderator, moderator2, senior)
    html = walk.page(reverse("insight:dashboard"))
    assert "상태별 미판정 클립" in html and "판정 일치율" in html
    walk.page(reverse("insight:calibration"))

    # --- Error pages ----------------------------------------------------------------------
    walk.login(moderator)
    walk.page(reverse("dashboard:clip", args=[uuid.uuid4()]), status=404)
    walk.page(reverse("dashboard:audit"), status=403)
    TOTPDevice.objects.create(user=moderator, name="업무용 휴대폰", confirmed=True)
    walk.page(reverse("otp_setup"))
    walk.page(reverse("otp_verify"))
    walk.login(admin_user)
    walk.page(reverse("dashboard:queue"))

    # Every page of the URLconf was walked or is listed as no page; every desk template drew.
    missing = url_names(get_resolver().url_patterns) - walk.names - set(NOT_PAGES)
    assert missing == set(), f"pages neither walked nor listed in NOT_PAGES: {missing}"
    desk_templates = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if not str(path.relative_to(TEMPLATES)).startswith(NOT_DESK_TEMPLATES)
    }
    # Rendered outside a request: the 400 and 500 pages, and the evidence summary in a pack.
    elsewhere = {"400.html", "500.html", "teamwork/evidence_summary.html"}
    # Read in Korean by their own pages' tests (see NOT_PAGES), with the data they need.
    elsewhere |= {
        "dashboard/person_merge.html",
        "dashboard/_person_options.html",
        "dashboard/account.html",
        "dashboard/case.html",
        "dashboard/cases.html",
        "provenance/reference_import.html",
        "provenance/reference_imports.html",
        "provenance/_change_mask.html",  # test_reference_change_mask.py, in Korean
    }
    unrendered = desk_templates - walk.templates - elsewhere
    assert unrendered == set(), f"desk templates the walk never rendered: {unrendered}"


def _zones() -> set[str]:
    from zoneinfo import available_timezones

    return available_timezones()


def test_bad_request_and_server_error_pages_are_korean(rf: RequestFactory, moderator) -> None:
    from dashboard.api import errors

    request = rf.get("/", **KO)
    request.user = moderator
    with translation.override("ko"):
        for response in (errors.bad_request(request), errors.server_error(request)):
            response.status_code = 200
            html = assert_korean(response)
            assert "대기열로 돌아가기" in html


def test_label_and_policy_names_follow_the_reader(client, moderator) -> None:
    label = Label.objects.get(slug="face-swap")
    assert (label.name, label.name_ko) == ("Face swap", "얼굴 합성")
    with translation.override("ko"):
        assert label.display_name == "얼굴 합성"
    with translation.override("en"):
        assert label.display_name == "Face swap"
    # An admin's edit shows at once; a blank Korean name falls back to the English one.
    Label.objects.filter(slug="face-swap").update(name_ko="")
    with translation.override("ko"):
        assert Label.objects.get(slug="face-swap").display_name == "Face swap"


def test_a_removal_records_the_english_policy_whatever_the_language(client, moderator) -> None:
    clip = claim_clip(ScoredClipFactory().pk, moderator).clip
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id]), **KO).content.decode()
    assert 'value="Impersonation or fraud" required data-choice> 사칭 또는 사기' in page
    response = client.post(
        reverse("dashboard:decide", args=[clip.public_id]),
        {"action": "remove", "reason": "Impersonation or fraud", "expected_version": clip.version},
        **KO,
    )
    assert response.status_code == 302
    decision = clip.decisions.get()
    assert decision.reason == "Impersonation or fraud"
    # The evidence keeps the signals' sentences in English for every reader of the record.
    sentences = " ".join(s["sentence"] for s in decision.evidence["signals"])
    assert "The model scored" in sentences or "not scored" in sentences
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in sentences)


def test_desk_json_refusal_is_korean(client, moderator) -> None:
    clip = claim_clip(ScoredClipFactory().pk, moderator).clip
    client.force_login(moderator)
    response = client.post(
        reverse("dashboard:decide", args=[clip.public_id]),
        {"action": "remove", "reason": "", "expected_version": clip.version},
        HTTP_ACCEPT="application/json",
        **KO,
    )
    body = response.json()
    assert response.status_code == 400 and body["error"] == "reason_required"
    assert body["message"] == "이 조치의 사유를 입력하세요."


def test_javascript_catalog_is_korean(client) -> None:
    """Every string the page scripts pass to gettext() has its Korean translation."""
    import re

    calls = re.compile(r"""gettext\(\s*"((?:[^"\\]|\\.)*)"\s*\)""")
    scripts = Path(settings.BASE_DIR) / "static" / "js"
    msgids = {m for path in scripts.glob("*.js") for m in calls.findall(path.read_text())}
    assert len(msgids) >= 6
    with translation.override("ko"):
        catalog = client.get(reverse("javascript-catalog"), **KO).content.decode("unicode_escape")
    for msgid in msgids:
        assert f'"{msgid}": "' in catalog, msgid


def test_evidence_summary_is_korean_for_a_korean_requester(face_clip, moderator) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    data = face_clip.read_bytes()
    clip = decided_clip(DecisionAction.LABEL, moderator, platform="Kakao", reports=0)
    clip.file.name = default_storage.save(clip.file.name, ContentFile(data))
    clip.save(update_fields=["file"])
    DeskPreference.objects.create(user=moderator, language="ko", time_zone="Asia/Seoul")
    pack = request_pack(clip.pk, moderator)
    assert evidence.build_pack(pack.pk) == "built"
    pack.refresh_from_db()
    with pack.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        summary = archive.read("summary.html").decode()

    class _Response:
        status_code = 200
        content = summary.encode()

    html = assert_korean(_Response(), DATA_WORDS | {"KST"})
    assert '<html lang="ko">' in html and "판정 사유 및 증거 설명서" in html and "카카오" in html
    assert "KST" in html


def test_platform_presets_answer_any_case_and_stay_english_for_english_readers(
    client, moderator
) -> None:
    ScoredClipFactory(platform="naver")
    client.force_login(moderator)
    html = client.get(reverse("dashboard:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Naver" in html and "네이버" not in html
    html = client.get(reverse("dashboard:queue"), **KO).content.decode()
    assert "네이버" in html


def test_api_errors_are_korean_with_stable_codes(api_client_for, moderator, outsider) -> None:
    clip = claim_clip(ScoredClipFactory().pk, moderator).clip
    url = f"/api/v1/clips/{clip.public_id}/decision/"
    bodies = {}
    for language in ("en", "ko"):
        refused = api_client_for(outsider).get("/api/v1/clips/", HTTP_ACCEPT_LANGUAGE=language)
        invalid = api_client_for(moderator).post(
            url, {"action": "vanish"}, format="json", HTTP_ACCEPT_LANGUAGE=language
        )
        bodies[language] = (
            refused.status_code,
            refused.json(),
            invalid.status_code,
            invalid.json(),
        )
    (en_status, en_refused, en_invalid_status, en_invalid) = bodies["en"]
    (ko_status, ko_refused, ko_invalid_status, ko_invalid) = bodies["ko"]
    assert (en_status, ko_status) == (403, 403)
    assert en_refused["error"]["code"] == ko_refused["error"]["code"] == "permission_denied"
    assert ko_refused["error"]["message"] == "모더레이터만 할 수 있는 작업입니다."
    assert en_invalid_status == ko_invalid_status == 400
    assert en_invalid["error"]["code"] == ko_invalid["error"]["code"]
    assert en_invalid["error"]["message"] != ko_invalid["error"]["message"]
    assert any("\uac00" <= ch <= "\ud7a3" for ch in ko_invalid["error"]["message"])
