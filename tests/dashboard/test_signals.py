"""Signals and the suspicion level: the rule over signals, the face model's signal under the
abstain rule and its validation status, and the queue priority that follows the level."""

import pytest

from dashboard.hooks import SignalProvider, signal_providers
from dashboard.priority import LEVEL_POINTS, compute_priority, priority_breakdown
from dashboard.signals import Signal, SuspicionLevel, gather_signals, suspicion_level
from detection.signals import face_model_signal
from tests.factories import DetectionRunFactory, DetectorModelFactory, ScoredClipFactory

REAL_VALIDATION = {
    "evaluations": [
        {
            "data": "real",
            "items": 500,
            "kinds": {"face_swap": 250, "camera": 250},
            "figures": {"auc": 0.93, "auc_ci": [0.9, 0.95]},
        }
    ]
}


def sig(name: str, supports: SuspicionLevel, fired: bool = True) -> Signal:
    return Signal(name, "1", name, f"{name} observed", value=1.0, fired=fired, supports=supports)


@pytest.mark.parametrize(
    ("signals", "level"),
    [
        ([], SuspicionLevel.NONE),
        ([sig("model", SuspicionLevel.WEAK, fired=False)], SuspicionLevel.NONE),
        ([sig("model", SuspicionLevel.WEAK)], SuspicionLevel.WEAK),
        # Hints do not add up.
        ([sig("a", SuspicionLevel.WEAK), sig("b", SuspicionLevel.WEAK)], SuspicionLevel.WEAK),
        ([sig("a", SuspicionLevel.WEAK), sig("b", SuspicionLevel.STRONG)], SuspicionLevel.STRONG),
        (
            [sig("model", SuspicionLevel.WEAK), sig("match", SuspicionLevel.CONCLUSIVE)],
            SuspicionLevel.CONCLUSIVE,
        ),
        # What a signal would support counts only when it fired.
        ([sig("match", SuspicionLevel.CONCLUSIVE, fired=False)], SuspicionLevel.NONE),
    ],
)
def test_level_is_the_strongest_fired_signal(signals, level):
    assert suspicion_level(signals) == level


def test_not_applicable_signal_says_why_and_never_fires():
    signal = Signal("m", "1", "Model", "No face found.", not_applicable="no face found")
    assert not signal.applicable and signal.level == SuspicionLevel.NONE
    assert signal.as_dict()["not_applicable_reason"] == "no face found"
    assert signal.as_dict()["value"] is None


@pytest.mark.django_db
def test_signals_are_gathered_from_every_provider_strongest_first():
    clip = ScoredClipFactory()
    signal_providers.register(
        "test",
        SignalProvider(
            "test",
            lambda c: (
                [sig("quiet", SuspicionLevel.STRONG, fired=False)]
                + [sig("weak", SuspicionLevel.WEAK), sig("strong", SuspicionLevel.STRONG)]
            ),
        ),
    )
    try:
        names = [s.name for s in gather_signals(clip)]
    finally:
        signal_providers.unregister("test")
    assert names[:2] == ["strong", "weak"]
    # Every app's signal is there: the face model, a known-fake match, Content Credentials.
    assert {"face_manipulation_model", "known_fake_match", "content_credentials_ai"} <= set(names)


@pytest.mark.django_db
def test_unvalidated_model_above_threshold_is_a_weak_hint():
    model = DetectorModelFactory()
    clip = ScoredClipFactory(score=None)
    run = DetectionRunFactory(clip=clip, model=model, scores=[0.2, 0.9, 0.8])
    signal = face_model_signal(run)
    assert signal.fired and signal.supports == SuspicionLevel.WEAK
    assert "weak hint" in signal.sentence and "0:00.5 (frame 12)" in signal.sentence
    assert signal.where[0]["t"] == 0.5
    assert signal.detail.startswith("Not validated")


@pytest.mark.django_db
def test_model_trusted_on_real_data_is_strong_and_its_score_counts():
    model = DetectorModelFactory()
    model.validation = REAL_VALIDATION
    model.save()
    clip = ScoredClipFactory(score=0.9, reports=0)
    DetectionRunFactory(clip=clip, model=model, scores=[0.9, 0.9])
    signal = face_model_signal(clip.active_run())
    assert signal.supports == SuspicionLevel.STRONG and signal.fired
    assert dict(priority_breakdown(clip)) == {
        "Reports": 0.0,
        "Stated reach": 0.0,
        "Protected person depicted": 0.0,
        "Repeat uploader": 0.0,
        "Suspicion level": LEVEL_POINTS[SuspicionLevel.STRONG],
        "Detector score (trusted models only)": 90.0,
        "Matches a removed known fake": 0.0,
    }


@pytest.mark.django_db
def test_score_below_threshold_is_no_evidence_either_way():
    clip = ScoredClipFactory(score=0.2)
    run = DetectionRunFactory(clip=clip, model=DetectorModelFactory(), scores=[0.1, 0.2])
    signal = face_model_signal(run)
    assert not signal.fired and "not evidence of authenticity" in signal.sentence


@pytest.mark.django_db
def test_old_run_that_scored_frame_centres_is_not_evidence():
    """A run made before the abstain rule is kept as it was, but not believed."""
    clip = ScoredClipFactory(score=0.98)
    run = DetectionRunFactory(clip=clip, model=DetectorModelFactory(), scores=[0.98, 0.97])
    run.rules_version, run.faces_found, run.frames_without_face = 1, 0, 2
    run.save()
    signal = face_model_signal(run)
    assert not signal.applicable and not signal.fired
    assert "No face found" in signal.sentence and "re-score" in signal.sentence


@pytest.mark.django_db
def test_queue_order_follows_the_level_not_the_raw_score():
    """A faceless clip the old rules scored 0.98 no longer outranks a reported face clip."""
    model = DetectorModelFactory()
    chair = ScoredClipFactory(score=0.98, reports=0)
    chair_run = DetectionRunFactory(clip=chair, model=model, scores=[0.98, 0.98])
    chair_run.rules_version, chair_run.faces_found = 1, 0
    chair_run.save()
    face = ScoredClipFactory(score=0.6, reports=1)
    DetectionRunFactory(clip=face, model=model, scores=[0.6, 0.6])
    assert compute_priority(chair) == 0.0
    assert compute_priority(face) == 8.0 + LEVEL_POINTS[SuspicionLevel.WEAK]
