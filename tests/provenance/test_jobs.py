"""Banking and matching survive a broker outage: the change commits and answers normally, the
job stays marked, and the provenance sweeper sends it once the broker is back, exactly once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from kombu.messaging import Producer

from config.celery import app as celery_app
from dashboard.constants import ClipStatus
from dashboard.models import AuditEvent, Decision
from detection.tasks import _finish
from provenance import jobs, tasks
from provenance.models import BankEntry, BankMatch, JobKind, JobState, ProvenanceJob
from tests.factories import ClipFactory, DetectionRunFactory, DetectorModelFactory
from tests.provenance.conftest import stored_clip


def committing(test):
    """The decision's on_commit callbacks run inside the request only when the test really
    commits: a transactional test, with the seeded labels an earlier flush removed (no
    serialized rollback: its restore collides with content types an earlier transactional
    test's flush re-created under other ids)."""
    return pytest.mark.usefixtures("seeded_labels")(pytest.mark.django_db(transaction=True)(test))


class Broker:
    """Make every publish fail as a dead Redis does, then bring it back (jobs run eagerly)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.publish = Producer.publish

    def down(self) -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        self.monkeypatch.setattr(Producer, "publish", refuse)

    def back(self) -> None:
        self.monkeypatch.setattr(Producer, "publish", self.publish)
        self.monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
        self.monkeypatch.setattr(celery_app.conf, "task_eager_propagates", True)


@pytest.fixture
def broker(monkeypatch) -> Broker:
    return Broker(monkeypatch)


def age_jobs(**which: object) -> None:
    """Let the resend grace pass for the jobs (all, or those matching `which`)."""
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ProvenanceJob.objects.filter(**which).update(requested_at=an_hour_ago)
    ProvenanceJob.objects.filter(sent_at__isnull=False, **which).update(sent_at=an_hour_ago)


def desk(name: str, clip) -> str:
    return reverse(f"dashboard:{name}", args=[clip.public_id])


def assert_banked_once_after_the_outage(clip, broker: Broker) -> None:
    decision = Decision.objects.get(clip=clip)
    job = ProvenanceJob.objects.get(kind=JobKind.BANK, decision=decision)
    assert (job.state, job.sent_at, job.sends) == (JobState.PENDING, None, 0)
    assert not BankEntry.objects.filter(clip=clip).exists()

    age_jobs()
    assert tasks.resend_provenance_jobs() == 0  # still down: nothing sent, still marked
    assert ProvenanceJob.objects.get(pk=job.pk).state == JobState.PENDING

    broker.back()
    assert tasks.resend_provenance_jobs() == 1
    entry = BankEntry.objects.get(clip=clip)
    assert entry.decision == decision
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.sends == 1

    # A re-run of the sweeper, and a duplicate message for the banked clip, change nothing.
    age_jobs()
    assert tasks.resend_provenance_jobs() == 0
    tasks.bank_decision.apply_async(args=[decision.pk])
    assert BankEntry.objects.filter(clip=clip).count() == 1
    assert AuditEvent.objects.filter(clip=clip, action="provenance.banked").count() == 1


@committing
def test_a_desk_decision_commits_with_the_broker_down_and_is_banked_once_it_is_back(
    client, moderator, fake_original, broker
):
    clip = stored_clip(fake_original)
    client.force_login(moderator)
    assert client.get(desk("clip", clip)).status_code == 200  # opening claims it
    clip.refresh_from_db()
    broker.down()

    response = client.post(
        desk("decide", clip),
        {"action": "label", "labels": ["animated-still"], "expected_version": clip.version},
    )

    assert response.status_code == 302
    clip.refresh_from_db()
    assert clip.status == ClipStatus.LABELED
    assert_banked_once_after_the_outage(clip, broker)


@committing
def test_an_api_decision_commits_with_the_broker_down_and_is_banked_once_it_is_back(
    api_client_for, moderator, fake_original, broker
):
    clip = stored_clip(fake_original)
    api = api_client_for(moderator)
    version = api.post(f"/api/v1/clips/{clip.public_id}/claim/").json()["version"]
    broker.down()

    response = api.post(
        f"/api/v1/clips/{clip.public_id}/decision/",
        {"action": "remove", "reason": "non_consensual", "version": version},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert_banked_once_after_the_outage(clip, broker)


@committing
def test_scoring_finishes_with_the_broker_down_and_the_clip_is_matched_once_it_is_back(
    banked_entry, fake_reupload, broker
):
    clip = stored_clip(fake_reupload, status=ClipStatus.SCORING, scoring_job="job-1")
    model = DetectorModelFactory()
    run = DetectionRunFactory(clip=clip, model=model)
    broker.down()

    _finish(clip, model, run, "job-1")  # commits and sends the match job: the publish fails

    clip.refresh_from_db()
    assert clip.status == ClipStatus.AWAITING_REVIEW
    job = ProvenanceJob.objects.get(kind=JobKind.MATCH, clip=clip)
    assert (job.state, job.sent_at) == (JobState.PENDING, None)
    assert not BankMatch.objects.filter(clip=clip).exists()

    broker.back()
    age_jobs(kind=JobKind.MATCH)
    assert tasks.resend_provenance_jobs() == 1
    [match] = BankMatch.objects.filter(clip=clip)
    assert match.entry == banked_entry
    job.refresh_from_db()
    assert job.state == JobState.DONE

    age_jobs(kind=JobKind.MATCH)
    assert tasks.resend_provenance_jobs() == 0
    assert BankMatch.objects.filter(clip=clip).count() == 1


def test_a_lost_job_is_sent_again_until_the_limit_then_marked_failed(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.match_clip, "apply_async", lambda args: sent.append(args[0]))
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.match_clip_on_commit(clip.pk)
    job = ProvenanceJob.objects.get(kind=JobKind.MATCH, clip=clip)
    assert sent == [clip.pk] and job.sends == 1

    assert tasks.resend_provenance_jobs() == 0  # sent recently: the worker may be on it
    for _ in range(jobs.MAX_SENDS - 1):  # the messages are lost: each grace, sent again
        age_jobs()
        assert tasks.resend_provenance_jobs() == 1
    assert len(sent) == jobs.MAX_SENDS
    age_jobs()
    assert tasks.resend_provenance_jobs() == 0
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "without finishing" in job.error


def test_scoring_again_makes_the_match_job_pending_again(db, monkeypatch):
    monkeypatch.setattr(tasks.match_clip, "apply_async", lambda args: None)
    clip = ClipFactory(status=ClipStatus.AWAITING_REVIEW)
    tasks.match_clip_on_commit(clip.pk)
    started = timezone.now()
    jobs.mark_done(JobKind.MATCH, clip.pk, started)
    assert ProvenanceJob.objects.get(clip=clip).state == JobState.DONE
    tasks.match_clip_on_commit(clip.pk)
    job = ProvenanceJob.objects.get(clip=clip)
    assert job.state == JobState.PENDING
    # A run that started before the new request does not mark the new request done.
    jobs.mark_done(JobKind.MATCH, clip.pk, started)
    assert ProvenanceJob.objects.get(clip=clip).state == JobState.PENDING
