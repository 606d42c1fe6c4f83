"""A clip's active run has one definition (DetectionRunQuerySet): the finished run of the active
detector model. Shadow models, failed or unfinished runs and retired models never count."""

import pytest

from detection.models import DetectionRun, RunStatus
from tests.factories import DetectionRunFactory, DetectorModelFactory, ScoredClipFactory

pytestmark = pytest.mark.django_db


def test_only_the_active_models_finished_run_is_the_active_run():
    clip = ScoredClipFactory()
    active = DetectorModelFactory(name="baseline")
    shadow = DetectorModelFactory(name="candidate", is_active=False, is_shadow=True)
    retired = DetectorModelFactory(name="old", is_active=False)
    DetectionRunFactory(clip=clip, model=shadow, is_shadow=True)
    DetectionRunFactory(clip=clip, model=retired)
    other_clip = ScoredClipFactory()
    DetectionRunFactory(clip=other_clip, model=active, status=RunStatus.FAILED)
    run = DetectionRunFactory(clip=clip, model=active)

    assert list(DetectionRun.objects.active()) == [run]
    flags = dict(DetectionRun.objects.with_active_flag().values_list("pk", "is_active_run"))
    assert [pk for pk, flag in flags.items() if flag] == [run.pk]
    assert len(flags) == 4
    assert clip.active_run() == run
    assert other_clip.active_run() is None  # the active model's run failed


def test_a_running_run_of_the_active_model_is_not_the_active_run_yet():
    clip = ScoredClipFactory()
    DetectionRunFactory(clip=clip, model=DetectorModelFactory(), status=RunStatus.RUNNING)
    assert clip.active_run() is None
    assert not DetectionRun.objects.active().exists()
