"""The one task policy and the one enqueue helper (dashboard/jobs.py), and the one beat schedule."""

import logging

import pytest
from django.conf import settings
from django.db import OperationalError as DatabaseDown
from kombu.exceptions import OperationalError as BrokerError

from config.celery import app as celery_app
from dashboard.jobs import enqueue, enqueue_on_commit

APPS = (
    "dashboard.",
    "detection.",
    "provenance.",
    "teamwork.",
    "integrations.",
    "insight.",
    "retention.",
)


class FakeTask:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.sent: list[tuple[list, dict]] = []

    def apply_async(self, args: list, **options: object) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((args, options))


def test_a_failed_publish_is_logged_and_leaves_the_marker_unset(caplog):
    marked = []
    with caplog.at_level(logging.ERROR, logger="dashboard.jobs"):
        sent = enqueue(
            FakeTask(BrokerError("Connection refused")),
            [7],
            what="Bank job 7",
            resent_by="the bank sweeper",
            on_sent=lambda: marked.append(7),
        )
    assert sent is False and marked == []
    assert "Bank job 7 not sent" in caplog.text and "the bank sweeper" in caplog.text


def test_a_publish_marks_the_row_and_passes_the_countdown():
    task, marked = FakeTask(), []
    assert enqueue(task, [7], what="j", resent_by="s", on_sent=lambda: marked.append(7))
    assert enqueue(task, [8], what="j", resent_by="s", countdown=30)
    assert task.sent == [([7], {}), ([8], {"countdown": 30})] and marked == [7]


def test_a_marker_that_cannot_be_written_is_logged_not_raised(caplog):
    def database_down() -> None:
        raise DatabaseDown("database is locked")

    assert enqueue(FakeTask(), [7], what="Job 7", resent_by="s", on_sent=database_down)
    assert "Job 7 sent but not marked" in caplog.text


def test_enqueue_on_commit_waits_for_the_commit(db, django_capture_on_commit_callbacks):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(task, [7], what="j", resent_by="s")
        assert task.sent == []
    assert len(callbacks) == 1 and task.sent == [([7], {})]


def project_tasks():
    celery_app.loader.import_default_modules()
    return {name: t for name, t in celery_app.tasks.items() if name.startswith(APPS)}


def test_every_task_declares_the_house_policy():
    tasks = project_tasks()
    assert "provenance.tasks.resend_provenance_jobs" in tasks
    for name, task in tasks.items():
        assert task.acks_late, name
        assert task.soft_time_limit and task.time_limit > task.soft_time_limit, name
        assert task.ignore_result, name
    periodic = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in set(tasks) - periodic:  # jobs on a row retry transient errors, sweeps do not
        assert DatabaseDown in tasks[name].autoretry_for, name
        assert tasks[name].reject_on_worker_lost, name


@pytest.mark.parametrize(
    "sweeper",
    [
        "detection.tasks.requeue_stale_clips",
        "provenance.tasks.resend_provenance_jobs",
        "integrations.tasks.send_lost_deliveries",
        "teamwork.tasks.requeue_stale_packs",
    ],
)
def test_every_sweeper_is_on_the_one_beat_schedule(sweeper):
    scheduled = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert sweeper in scheduled
    assert set(scheduled) <= set(project_tasks())
