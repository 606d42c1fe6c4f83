"""Detector model versions and the runs they made: the only detection tables.

Only `detection/registry.py` and `detection/tasks.py` write these; the scoring pipeline itself
(frames, faces, inference, scoring, pipeline) knows nothing of the ORM.
"""

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from detection.scoring import SCORING_RULES_VERSION


class DetectorModelQuerySet(models.QuerySet):
    def active(self) -> "DetectorModel | None":
        return self.filter(is_active=True).first()

    def shadows(self) -> "DetectorModelQuerySet":
        return self.filter(is_shadow=True, is_active=False)


class DetectionRunQuerySet(models.QuerySet):
    """Runs, and the one definition of "a clip's active run": the finished run of the active
    detector model. There is at most one per clip (one run per clip and model version, one
    active model). The clip's score, the review page, decisions' evidence and evidence packs
    all mean this run."""

    def with_active_flag(self) -> "DetectionRunQuerySet":
        """Annotate `is_active_run`, for pages that list every run of a clip and single out
        the active one without a second query."""
        return self.annotate(
            is_active_run=ExpressionWrapper(
                Q(model__is_active=True, status=RunStatus.DONE), output_field=BooleanField()
            )
        )

    def active(self) -> "DetectionRunQuerySet":
        return self.with_active_flag().filter(is_active_run=True)


class DetectorModel(models.Model):
    name = models.CharField(max_length=100)
    version = models.CharField(max_length=50)
    file = models.FileField(upload_to="detectors/", max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    input_spec = models.JSONField(help_text="name, size, color_order, layout, scale, mean, std")
    output_spec = models.JSONField(help_text="name, index, meaning")
    threshold = models.FloatField(default=0.5)
    calibration = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    model_card = models.TextField(blank=True)
    # How far to trust it: {"evaluations": [{"data": "synthetic" | "real", "items", "kinds",
    # "figures", "source", "recorded_at"}, ...]}; read through detection.validation.
    validation = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    # Shadow models score live traffic beside the active one but never drive priority.
    is_shadow = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)

    objects = DetectorModelQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="detector_name_version"),
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_detector"
            ),
        ]

    def __str__(self) -> str:
        flag = " (active)" if self.is_active else " (shadow)" if self.is_shadow else ""
        return f"{self.name} v{self.version}{flag}"

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class DetectionRun(models.Model):
    clip = models.ForeignKey("dashboard.Clip", on_delete=models.CASCADE, related_name="runs")
    model = models.ForeignKey(DetectorModel, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    is_shadow = models.BooleanField(default=False)
    clip_score = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(default=0.5)
    frames_total = models.PositiveIntegerField(default=0)
    frames_scored = models.PositiveIntegerField(default=0)
    faces_found = models.PositiveIntegerField(default=0)
    frames_without_face = models.PositiveIntegerField(default=0)
    # [{"t": s, "frame": i, "score": p | None, "faces": [[x, y, w, h, conf], ...],
    #   "face_found": b, "face_scores": [...], "faces_skipped": [[x, y, w, h, conf, why]]}]
    timeline = models.JSONField(default=list, blank=True)
    # The scoring rules the run was made under (detection.scoring.SCORING_RULES_VERSION): 1
    # scored the centre of faceless frames; 2 abstains. Re-scoring under new rules adds a run.
    rules_version = models.PositiveSmallIntegerField(default=SCORING_RULES_VERSION)
    # Why the model gave no clip score ("no_face"), "" when it gave one.
    abstained = models.CharField(max_length=30, blank=True)
    # frames_sampled, frames_with_face, faces_found, faces_scored, faces_too_small,
    # faces_low_confidence (rules version 2 on).
    counts = models.JSONField(default=dict, blank=True)
    timings_ms = models.JSONField(default=dict, blank=True)
    aggregation = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DetectionRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # One run per clip, model version and scoring rules: a redelivered job finds it
            # instead of adding one; new rules add a run and keep the old one.
            models.UniqueConstraint(
                fields=["clip", "model", "rules_version"], name="one_run_per_model_and_rules"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model.label} on {self.clip}"

    @property
    def is_manipulated(self) -> bool:
        return self.clip_score is not None and self.clip_score >= self.threshold


class FaceCrop(models.Model):
    """One of a run's highest-scoring face crops, a small JPEG kept in the database."""

    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="crops")
    rank = models.PositiveSmallIntegerField()
    time_s = models.FloatField()
    score = models.FloatField()
    jpeg = models.BinaryField()

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["run", "rank"], name="crop_rank")]

    def __str__(self) -> str:
        return f"crop {self.rank} of run {self.run_id}"
