"""Remote detection providers against a real HTTP server on 127.0.0.1 that the test starts.

Good answer, malformed JSON, 500s (retried, then failure recorded), a hang (timeout; scoring
and review not blocked), the circuit breaker (opens after N failures, then no calls), the
secret read from its file and never logged.
"""

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.core.files import File
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from dashboard.constants import ClipStatus
from dashboard.hooks import clip_event_listeners
from dashboard.models import Clip
from dashboard.priority import priority_breakdown
from dashboard.signals import gather_signals
from desk.ingest import Submission, ingest_upload
from detection import providers, tasks
from detection.admin import DetectionProviderAdmin
from detection.models import DetectionProvider, ProviderScore, ProviderStatus, RequestForm
from detection.registry import Manifest, register_model
from tests.detection.conftest import SPEC, build_onnx
from tests.factories import ScoredClipFactory
from tests.loopback import serving

pytestmark = pytest.mark.django_db

SECRET = "sk-test-7f3a9b-never-log-me"


@dataclass
class Service:
    url: str = ""
    # Answers in order: (status, body); the last one repeats.
    script: list[tuple[int, bytes]] = field(default_factory=lambda: [(200, b'{"score": 0.5}')])
    hang: bool = False
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture(autouse=True)
def loopback_allowed(settings, tmp_path):
    """The test service listens on 127.0.0.1: allowed like an on-premise receiver would be."""
    settings.UNMASK_EGRESS_ALLOW = ["127.0.0.1/32"]
    secrets = tmp_path / "provider-secrets"
    secrets.mkdir()
    (secrets / "acme.key").write_text(SECRET + "\n")
    settings.UNMASK_PROVIDER_SECRETS_DIR = str(secrets)
    providers.BACKOFF_BASE_S = 0.0


@pytest.fixture
def service() -> Iterator[Service]:
    state = Service()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append((dict(self.headers), body))
            if state.hang:
                state.release.wait(10)
                return
            status, payload = state.script.pop(0) if len(state.script) > 1 else state.script[0]
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler, state.release) as port:
        state.url = f"http://127.0.0.1:{port}/v1/detect"
        yield state


def make_provider(service: Service, **fields) -> DetectionProvider:
    values = {
        "name": "acme",
        "endpoint": service.url,
        "auth_header": "X-Api-Key",
        "auth_secret_file": "acme.key",
        "score_field": "result.score",
        "timeout_s": 2.0,
        **fields,
    }
    provider = DetectionProvider(**values)
    provider.full_clean()
    provider.save()
    return provider


@pytest.fixture
def active_model(tmp_path):
    path = build_onnx(tmp_path / "tiny-1.onnx")
    manifest = Manifest.from_dict({"name": "tiny", "version": "1", "threshold": 0.5, **SPEC})
    return register_model(path, manifest, activate=True)


def ingest(path: Path) -> Clip:
    with path.open("rb") as fh:
        return ingest_upload(File(fh, name=path.name), Submission(), None).clip


@pytest.fixture
def scored_clip(active_model, face_clip, service) -> Clip:
    """A face clip scored with a provider enabled: it is awaiting review, a row is pending."""
    make_provider(service)
    clip = ingest(face_clip)
    assert tasks.run_scoring(clip.pk, job_id="job-1").outcome == "scored"
    clip.refresh_from_db()
    return clip


def row(clip: Clip) -> ProviderScore:
    return ProviderScore.objects.select_related("provider").get(clip=clip)


def remote_signal(clip: Clip):
    return next(s for s in gather_signals(clip) if s.name == "provider:acme")


def test_scoring_opens_one_pending_call_per_enabled_provider_and_the_listener_is_registered(
    scored_clip,
):
    assert "detection_providers" in clip_event_listeners.keys()  # noqa: SIM118
    assert scored_clip.status == ClipStatus.AWAITING_REVIEW
    assert row(scored_clip).status == ProviderStatus.PENDING
    signal = remote_signal(scored_clip)
    assert not signal.applicable and "has not answered yet" in signal.sentence


def test_a_good_answer_is_stored_as_a_signal_with_the_raw_answer(
    scored_clip, service, client, moderator
):
    body = json.dumps({"result": {"score": 0.87, "label": "fake"}, "model": "acme-v3"}).encode()
    service.script = [(200, body)]
    assert providers.attempt(scored_clip.pk, row(scored_clip).provider_id).outcome == "done"
    stored = row(scored_clip)
    assert stored.status == ProviderStatus.DONE and stored.score == pytest.approx(0.87)
    assert json.loads(stored.raw_response)["model"] == "acme-v3"
    assert stored.http_status == 200 and stored.attempts == 1 and stored.latency_ms > 0
    headers, sent = service.requests[0]
    assert headers["X-Api-Key"] == SECRET  # read from the file
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"' in sent and len(sent) > 1000  # the media itself went
    signal = remote_signal(scored_clip)
    assert signal.value == pytest.approx(0.87) and signal.title == "Remote detector acme"
    # Unvalidated: shown as a weak hint, never fired, never in priority.
    assert not signal.fired and "not counted in the priority" in signal.sentence
    assert "provider" not in " ".join(label for label, _ in priority_breakdown(scored_clip))
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[scored_clip.public_id])).content.decode()
    assert "Remote detector acme" in page and "acme scored 0.87" in page
    # A second delivery of the same job finds the row done and calls nobody.
    assert providers.attempt(scored_clip.pk, stored.provider_id).outcome == "skipped"
    assert len(service.requests) == 1


def test_a_validated_provider_fires_a_weak_signal_and_moves_priority(scored_clip, service):
    DetectionProvider.objects.update(validated=True)
    before = Clip.objects.get(pk=scored_clip.pk).priority
    DetectionProvider.objects.update(threshold=0.99)  # the face model's weak hint stays alone
    service.script = [(200, b'{"result": {"score": 0.995}}')]
    assert providers.attempt(scored_clip.pk, row(scored_clip).provider_id).outcome == "done"
    signal = remote_signal(scored_clip)
    assert signal.fired and signal.level.label == "weak"
    # Levels do not add up: the face model's weak hint already counted, so priority is equal.
    assert Clip.objects.get(pk=scored_clip.pk).priority == before


def test_url_form_sends_the_source_url_as_json(active_model, face_clip, service):
    make_provider(service, request_form=RequestForm.URL, auth_header="", auth_secret_file="")
    clip = ingest(face_clip)
    Clip.objects.filter(pk=clip.pk).update(source_url="https://video.example/watch/42")
    tasks.run_scoring(clip.pk, job_id="job-1")
    service.script = [(200, b'{"result": {"score": 0.1}}')]
    assert providers.attempt(clip.pk, row(clip).provider_id).outcome == "done"
    headers, sent = service.requests[0]
    assert json.loads(sent) == {"url": "https://video.example/watch/42"}
    assert "X-Api-Key" not in headers


def test_a_clip_too_big_to_upload_fails_without_a_call(scored_clip, service, monkeypatch):
    monkeypatch.setattr(providers, "MAX_UPLOAD_BYTES", 10)
    assert providers.attempt(scored_clip.pk, row(scored_clip).provider_id).outcome == "failed"
    assert "too big to upload" in row(scored_clip).error and service.requests == []
    # Our limit, not the provider's failure: the breaker does not count it.
    assert row(scored_clip).provider.consecutive_failures == 0


def test_malformed_json_fails_without_retry_and_keeps_the_answer(scored_clip, service):
    service.script = [(200, b"<html>oops</html>")]
    outcome = providers.attempt(scored_clip.pk, row(scored_clip).provider_id)
    assert outcome.outcome == "failed" and outcome.retry_in is None
    stored = row(scored_clip)
    assert stored.status == ProviderStatus.FAILED and stored.score is None
    assert "not valid JSON" in stored.error and stored.raw_response == "<html>oops</html>"
    signal = remote_signal(scored_clip)
    assert not signal.applicable and "review does not depend on it" in signal.sentence


def test_a_missing_score_field_is_a_failure(scored_clip, service):
    service.script = [(200, b'{"result": {"label": "fake"}}')]
    assert providers.attempt(scored_clip.pk, row(scored_clip).provider_id).outcome == "failed"
    assert 'no field "result.score"' in row(scored_clip).error


def test_500s_are_retried_with_backoff_then_the_failure_is_recorded(scored_clip, service):
    service.script = [(500, b"down")]
    provider_id = row(scored_clip).provider_id
    outcomes = [
        providers.attempt(scored_clip.pk, provider_id) for _ in range(providers.MAX_ATTEMPTS)
    ]
    assert [o.outcome for o in outcomes] == ["retry"] * (providers.MAX_ATTEMPTS - 1) + ["failed"]
    assert all(o.retry_in is not None for o in outcomes[:-1])
    stored = row(scored_clip)
    assert stored.status == ProviderStatus.FAILED and stored.attempts == providers.MAX_ATTEMPTS
    assert stored.http_status == 500 and stored.error == "HTTP 500"
    assert len(service.requests) == providers.MAX_ATTEMPTS
    # And then nothing more: the row is finished.
    assert providers.attempt(scored_clip.pk, provider_id).outcome == "skipped"


def test_backoff_doubles_and_is_capped(monkeypatch):
    monkeypatch.setattr(providers, "BACKOFF_BASE_S", 10.0)
    assert [providers.backoff_s(n) for n in (1, 2, 3)] == [10.0, 20.0, 40.0]
    assert providers.backoff_s(30) == providers.BACKOFF_MAX_S


def test_a_hang_times_out_and_neither_scoring_nor_review_waits(
    active_model, face_clip, service, client, moderator
):
    service.hang = True
    make_provider(service, timeout_s=0.5)
    clip = ingest(face_clip)
    started = time.monotonic()
    assert tasks.run_scoring(clip.pk, job_id="job-1").outcome == "scored"
    assert time.monotonic() - started < 30  # scoring itself never called the provider
    assert service.requests == []
    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW
    started = time.monotonic()
    outcome = providers.attempt(clip.pk, row(clip).provider_id)
    assert time.monotonic() - started < 5
    assert outcome.outcome == "retry" and "Timed out after 0.5 s" in row(clip).error
    client.force_login(moderator)
    page = client.get(reverse("dashboard:clip", args=[clip.public_id]))
    assert page.status_code == 200
    assert client.post(reverse("dashboard:start", args=[clip.public_id])).status_code in (200, 302)


def url_provider(service: Service, **fields) -> DetectionProvider:
    return make_provider(
        service, request_form=RequestForm.URL, auth_header="", auth_secret_file="", **fields
    )


def clips_with_urls(count: int) -> list[Clip]:
    return [ScoredClipFactory(source_url=f"https://video.example/{n}") for n in range(count)]


def test_the_breaker_opens_after_n_failures_and_then_no_calls_are_made(service, admin_user):
    service.script = [(503, b"busy")]
    provider = url_provider(service, breaker_threshold=3)
    clips = clips_with_urls(4)
    # Rows opened as scoring opens them: three clips fail once each.
    pairs = [p for clip in clips for p in providers.open_rows(clip)]
    outcomes = [providers.attempt(*pair).outcome for pair in pairs[:3]]
    assert outcomes == ["retry", "retry", "failed"]  # the third opens the breaker
    provider.refresh_from_db()
    assert provider.consecutive_failures == 3 and provider.breaker_open()
    calls = len(service.requests)
    assert providers.attempt(*pairs[3]).outcome == "breaker_open"
    providers.ProviderScore.objects.filter(status=ProviderStatus.PENDING).update(
        next_attempt_at=provider.created_at
    )
    assert providers.attempt(*pairs[0]).outcome == "breaker_open"
    assert len(service.requests) == calls  # nobody was called
    assert "circuit breaker is open" in ProviderScore.objects.get(clip_id=pairs[3][0]).error
    # The admin says so: a column and a message.
    model_admin = DetectionProviderAdmin(DetectionProvider, site)
    assert model_admin.breaker_state(provider).startswith("Open until")
    request = RequestFactory().get("/admin/detection/detectionprovider/")
    request.user = admin_user
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    model_admin.changelist_view(request)
    texts = [str(m) for m in request._messages]
    assert any("Circuit breaker open: acme failed 3 times in a row" in t for t in texts)


def test_after_the_cooldown_one_success_closes_the_breaker(scored_clip, service):
    provider = row(scored_clip).provider
    DetectionProvider.objects.filter(pk=provider.pk).update(
        consecutive_failures=5, breaker_open_until=provider.created_at
    )  # open until a moment long past
    service.script = [(200, b'{"result": {"score": 0.2}}')]
    assert providers.attempt(scored_clip.pk, provider.pk).outcome == "done"
    provider.refresh_from_db()
    assert provider.consecutive_failures == 0 and provider.breaker_open_until is None


def test_the_secret_comes_from_its_file_and_is_never_logged(scored_clip, service, caplog, settings):
    service.script = [(500, b"down")]
    with caplog.at_level(logging.DEBUG):
        for _ in range(providers.MAX_ATTEMPTS):
            providers.attempt(scored_clip.pk, row(scored_clip).provider_id)
    assert service.requests and all(h["X-Api-Key"] == SECRET for h, _ in service.requests)
    assert SECRET not in caplog.text
    stored = row(scored_clip)
    assert SECRET not in stored.error + stored.raw_response
    # Nothing of the secret is in the database row of the provider either.
    assert SECRET not in json.dumps(list(DetectionProvider.objects.values()), default=str)
    # Rotating the file takes effect on the next call, without a restart.
    Path(settings.UNMASK_PROVIDER_SECRETS_DIR, "acme.key").write_text("rotated\n")
    assert providers.read_secret(stored.provider) == "rotated"


def test_admin_refuses_bad_settings(service, settings):
    bad = DetectionProvider(
        name="evil",
        endpoint="http://169.254.169.254/latest/meta-data/",
        auth_header="Authorization",
        auth_secret_file="../../etc/passwd",
        score_field="result..score",
        timeout_s=0,
    )
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    errors = caught.value.message_dict
    assert "only public addresses" in errors["endpoint"][0]
    assert "inside UNMASK_PROVIDER_SECRETS_DIR" in errors["auth_secret_file"][0]
    assert set(errors) >= {"score_field", "timeout_s"}
    settings.UNMASK_PROVIDER_SECRETS_DIR = ""
    with pytest.raises(ValidationError, match="UNMASK_PROVIDER_SECRETS_DIR is not set"):
        DetectionProvider(
            name="acme", endpoint=service.url, auth_header="X", auth_secret_file="acme.key"
        ).full_clean()


def test_the_rate_limit_delays_calls_without_counting_an_attempt(service):
    provider = url_provider(service, rate_limit_per_minute=1)
    clips = clips_with_urls(2)
    pairs = [p for clip in clips for p in providers.open_rows(clip)]
    service.script = [(200, b'{"result": {"score": 0.3}}')]
    assert providers.attempt(*pairs[0]).outcome == "done"
    limited = providers.attempt(*pairs[1])
    assert limited.outcome == "rate_limited" and limited.retry_in == pytest.approx(61.0)
    second = ProviderScore.objects.get(clip_id=pairs[1][0], provider=provider)
    assert second.status == ProviderStatus.PENDING and second.attempts == 0
    assert len(service.requests) == 1


def test_the_sweeper_resends_lost_calls(scored_clip, monkeypatch):
    ProviderScore.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    sent = []
    monkeypatch.setattr(
        tasks.call_detection_provider, "apply_async", lambda args, **kw: sent.append(args)
    )
    assert tasks.resend_provider_calls() == 1
    assert sent == [[scored_clip.pk, row(scored_clip).provider_id]]


def test_the_task_declares_the_house_policy(settings):
    task = tasks.call_detection_provider
    assert task.acks_late and task.reject_on_worker_lost
    assert task.soft_time_limit >= providers.MAX_TIMEOUT_S * 2
    assert "detection.tasks.resend_provider_calls" in {
        entry["task"]
        for entry in __import__("django.conf").conf.settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_the_admin_sentences_are_in_korean(service):
    from django.utils import translation

    provider = url_provider(service)
    model_admin = DetectionProviderAdmin(DetectionProvider, site)
    with translation.override("ko"):
        assert model_admin.breaker_state(provider) == "닫힘"
        DetectionProvider.objects.filter(pk=provider.pk).update(
            consecutive_failures=3, breaker_open_until=timezone.now() + timedelta(minutes=5)
        )
        provider.refresh_from_db()
        from detection.admin import breaker_message

        assert breaker_message(provider).startswith("서킷 브레이커 열림: acme 호출이 3회")
        assert str(DetectionProvider._meta.get_field("score_field").help_text).startswith("점수")


def test_the_admin_adds_a_provider_and_its_page_says_the_breaker_is_open(
    client, admin_user, service
):
    client.force_login(admin_user)
    add = reverse("admin:detection_detectionprovider_add")
    assert client.get(add).status_code == 200
    response = client.post(
        add,
        {
            "name": "acme",
            "enabled": "on",
            "endpoint": service.url,
            "auth_header": "X-Api-Key",
            "auth_secret_file": "acme.key",
            "request_form": "multipart",
            "score_field": "result.score",
            "threshold": "0.5",
            "timeout_s": "5",
            "rate_limit_per_minute": "30",
            "breaker_threshold": "5",
            "breaker_cooldown_s": "600",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = DetectionProvider.objects.get(name="acme")
    assert provider.auth_secret_file == "acme.key" and SECRET not in str(provider.__dict__)
    DetectionProvider.objects.filter(pk=provider.pk).update(
        consecutive_failures=5, breaker_open_until=timezone.now() + timedelta(minutes=5)
    )
    page = client.get(reverse("admin:detection_detectionprovider_change", args=[provider.pk]))
    assert "Circuit breaker open: acme failed 5 times in a row" in page.content.decode()
    listing = client.get(reverse("admin:detection_detectionprovider_changelist")).content.decode()
    assert "Open until" in listing and "Circuit breaker open" in listing
