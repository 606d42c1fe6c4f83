"""Detector model versions and the runs they made: the only detection tables.

Only `detection/registry.py` and `detection/tasks.py` write these; the scoring pipeline itself
(frames, faces, inference, scoring, pipeline) knows nothing of the ORM.
"""

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


# --- Remote detectors (detection/providers.py) -----------------------------------------------


class RequestForm(models.TextChoices):
    MULTIPART = "multipart", _("Multipart file upload")
    URL = "url", _("JSON with the media's source URL")


class DetectionProvider(models.Model):
    """A remote detection service an operator added in the admin (no code).

    The auth secret is never stored here: `auth_secret_file` names a file inside
    `UNMASK_PROVIDER_SECRETS_DIR` (a mounted secret), read at call time. The breaker fields
    are written by `detection.providers` only.
    """

    name = models.SlugField(
        max_length=60, unique=True, help_text=_("Shown on the review page as the signal's name.")
    )
    enabled = models.BooleanField(default=True)
    endpoint = models.URLField(
        max_length=2000, help_text=_("http(s) URL; only public addresses (UNMASK_EGRESS_ALLOW).")
    )
    auth_header = models.CharField(
        max_length=100, blank=True, help_text=_("e.g. Authorization or X-Api-Key; blank: none.")
    )
    auth_secret_file = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("File name inside UNMASK_PROVIDER_SECRETS_DIR holding the header's value."),
    )
    request_form = models.CharField(
        max_length=12, choices=RequestForm.choices, default=RequestForm.MULTIPART
    )
    score_field = models.CharField(
        max_length=200,
        default="score",
        help_text=_('Dotted path to the score, e.g. "result.score".'),
    )
    threshold = models.FloatField(default=0.5)
    timeout_s = models.FloatField(default=10.0)
    rate_limit_per_minute = models.PositiveIntegerField(default=60)
    validated = models.BooleanField(
        default=False,
        help_text=_("Validated on your own real media: only then may its score weigh in priority."),
    )
    validation_note = models.TextField(blank=True)
    breaker_threshold = models.PositiveIntegerField(
        default=5, help_text=_("Consecutive failures that open the circuit breaker.")
    )
    breaker_cooldown_s = models.PositiveIntegerField(default=600)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    breaker_open_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def breaker_open(self, now: "timezone.datetime | None" = None) -> bool:
        return self.breaker_open_until is not None and self.breaker_open_until > (
            now or timezone.now()
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from detection import providers

        errors = providers.config_errors(self)
        if errors:
            raise ValidationError(errors)


class ProviderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CALLING = "calling", "Calling"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class ProviderScore(models.Model):
    """One provider's answer about one clip: the score, and the raw answer kept for audit."""

    clip = models.ForeignKey(
        "dashboard.Clip", on_delete=models.CASCADE, related_name="provider_scores"
    )
    provider = models.ForeignKey(DetectionProvider, on_delete=models.CASCADE, related_name="scores")
    status = models.CharField(
        max_length=10, choices=ProviderStatus.choices, default=ProviderStatus.PENDING
    )
    score = models.FloatField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    raw_response = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    # When the last call went out: the provider's rate limit counts these.
    called_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider__name"]
        constraints = (
            models.UniqueConstraint(fields=("clip", "provider"), name="one_score_per_provider"),
        )

    def __str__(self) -> str:
        return f"{self.provider} on clip {self.clip_id}: {self.status}"
