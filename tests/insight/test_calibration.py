"""Detector calibration against moderators' outcomes, checked against hand-worked values.

Six decided clips scored by the model (threshold 0.5):
  0.95 removed (manipulated)      0.85 labelled face-swap (manipulated)
  0.72 approved (not)             0.55 labelled context only (not)
  0.40 removed (manipulated)      0.10 approved (not)
plus an undecided clip and another model's run, both ignored.
"""

import pytest

from dashboard.constants import ClipStatus, DecisionAction
from insight.calibration import calibrate
from tests.factories import DetectionRunFactory, DetectorModelFactory
from tests.insight.helpers import clip_at, decide

ROWS = [
    (0.95, ClipStatus.REMOVED, DecisionAction.REMOVE, ()),
    (0.85, ClipStatus.LABELED, DecisionAction.LABEL, ("face-swap",)),
    (0.72, ClipStatus.APPROVED, DecisionAction.APPROVE, ()),
    (0.55, ClipStatus.LABELED, DecisionAction.LABEL, ("missing-context",)),
    (0.40, ClipStatus.REMOVED, DecisionAction.REMOVE, ()),
    (0.10, ClipStatus.APPROVED, DecisionAction.APPROVE, ()),
]


@pytest.fixture
def model(moderator):
    from django.utils import timezone

    from dashboard.models import Label

    Label.objects.get_or_create(
        slug="missing-context",
        defaults={"name": "Missing context", "category": "context", "manipulated": False},
    )
    model = DetectorModelFactory(name="calib", version="1")
    other = DetectorModelFactory(name="calib", version="2", is_active=False)
    for score, status, action, labels in ROWS:
        clip = clip_at(timezone.now(), ClipStatus.IN_REVIEW)
        DetectionRunFactory(clip=clip, model=model, scores=[score], crops=0)
        decide(clip, moderator, action, timezone.now(), labels=labels, final_status=status)
    open_clip = clip_at(timezone.now(), ClipStatus.AWAITING_REVIEW)
    DetectionRunFactory(clip=open_clip, model=model, scores=[0.99], crops=0)
    DetectionRunFactory(clip=open_clip, model=other, scores=[0.99], crops=0)
    return model


def test_counts_and_histogram(model, django_assert_num_queries):
    with django_assert_num_queries(1):
        result = calibrate(model, target_precision=0.9)
    assert result.total == 6
    labels, manipulated, not_manipulated = result.histogram()
    assert len(labels) == 20
    assert [i for i, n in enumerate(manipulated) if n] == [8, 17, 19]  # 0.40, 0.85, 0.95
    assert [i for i, n in enumerate(not_manipulated) if n] == [2, 11, 14]  # 0.10, 0.55, 0.72


def test_precision_recall_at_thresholds(model):
    result = calibrate(model, target_precision=0.9)
    curve = {round(t, 2): (p, r) for t, p, r in result.curve()}
    assert len(curve) == 100
    # At 0.50: 0.95, 0.85, 0.72, 0.55 flagged; 2 of them manipulated, of 3 manipulated in all.
    assert curve[0.5] == (pytest.approx(2 / 4), pytest.approx(2 / 3))
    assert curve[0.72] == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert curve[0.73] == (pytest.approx(1.0), pytest.approx(2 / 3))
    assert curve[0.0] == (pytest.approx(3 / 6), pytest.approx(1.0))
    assert curve[0.96] == (None, 0.0)
    assert result.at_threshold(0.5) == (pytest.approx(0.5), pytest.approx(2 / 3))


def test_suggested_threshold_for_a_target_precision(model):
    # The lowest threshold with precision >= 0.9 is 0.73 (just above the approved 0.72).
    assert calibrate(model, target_precision=0.9).suggested_threshold() == pytest.approx(0.73)
    # 0.6 is reached at 0.11: 0.95, 0.85, 0.72, 0.55, 0.40 flagged, 3 of 5 manipulated.
    assert calibrate(model, target_precision=0.6).suggested_threshold() == pytest.approx(0.11)
    # 0.65 only at 0.56 (2 of 3); at 0.41 it is 2 of 4 and at 0.11 3 of 5.
    assert calibrate(model, target_precision=0.65).suggested_threshold() == pytest.approx(0.56)
    # 0.5 is already reached at 0.0 (3 of 6).
    assert calibrate(model, target_precision=0.5).suggested_threshold() == pytest.approx(0.0)


def test_reliability_diagram(model):
    rows = calibrate(model).reliability()
    assert [(round(s, 2), share, n) for s, share, n in rows] == [
        (0.10, 0.0, 1),
        (0.40, 1.0, 1),
        (0.55, 0.0, 1),
        (0.72, 0.0, 1),
        (0.85, 1.0, 1),
        (0.95, 1.0, 1),
    ]


def test_model_with_no_decided_clips(db):
    result = calibrate(DetectorModelFactory(name="empty", version="1"))
    assert result.total == 0
    assert result.suggested_threshold() is None
    assert result.reliability() == []
