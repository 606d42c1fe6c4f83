"""Team workflow records: the two-person policy and its pending decisions, appeals, SLA bands
and breaches, and evidence packs.

A PendingDecision is the first moderator's proposal under the two-person rule; it is resolved
once (confirmed or overturned) by a different moderator, and the immutable dashboard Decision is
written only then.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dashboard.constants import AccountRecommendation, DecisionAction
from dashboard.models import Clip, Decision, Label
from provenance.models import Case
from teamwork.constants import PACK_STEPS, AppealSource, AppealState, PackState, PendingState


class TwoPersonPolicy(models.Model):
    """One row of the two-person rule: which decisions need a second moderator.

    A decision is covered when any active row matches it: its action is listed and the clip
    depicts a protected person (when `protected_person`), matches a known fake in a hash bank
    (when `known_fake`), has at least `min_reports` reports (when set), or has a reach of at
    least `min_reach` (when set; a clip whose reports stated no reach never matches on reach).
    With no active row, no decision waits. Migrations seed the defaults: removing or approving
    a clip that depicts a protected person, whose reach is at least 1,000,000, or that has at
    least 20 reports; approving a clip a bank says is a known fake.
    """

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    actions = models.JSONField(
        default=list,
        help_text='Decision actions covered, e.g. ["remove", "approve"].',
    )
    protected_person = models.BooleanField(
        default=True, help_text="Covered when the clip depicts a protected person."
    )
    min_reports = models.PositiveIntegerField(
        null=True, blank=True, help_text="Covered when the clip has at least this many reports."
    )
    known_fake = models.BooleanField(
        default=False,
        help_text="Covered when a hash bank says the clip is a known fake (an active match).",
    )
    min_reach = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=(
            "Covered when the clip's reach (the largest view count a report stated) is at "
            "least this."
        ),
    )

    class Meta:
        verbose_name = "two-person policy"
        verbose_name_plural = "two-person policies"

    def __str__(self) -> str:
        return self.name


class PendingDecision(models.Model):
    clip = models.ForeignKey(Clip, on_delete=models.PROTECT, related_name="pending_decisions")
    action = models.CharField(max_length=20, choices=DecisionAction.choices)
    labels = models.ManyToManyField(Label, blank=True, related_name="+")
    note = models.TextField(blank=True, max_length=5000)
    reason = models.CharField(max_length=500, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    # Which policy rows covered it, for the audit trail and the confirmer's page.
    covered_by = models.JSONField(default=list, blank=True)
    from_status = models.CharField(max_length=20)
    # The moderator who proposed it; null when the system did (`proposer_label` names it).
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposed_decisions",
    )
    proposer_label = models.CharField(max_length=100, blank=True)
    proposed_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(
        max_length=12, choices=PendingState.choices, default=PendingState.PENDING, db_index=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolved_decisions",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_reason = models.CharField(max_length=500, blank=True)
    decision = models.OneToOneField(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="pending"
    )
    account_recommendation = models.CharField(
        max_length=10, choices=AccountRecommendation.choices, default=AccountRecommendation.NONE
    )

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clip"],
                condition=Q(state="pending"),
                name="one_pending_decision_per_clip",
            ),
            models.CheckConstraint(
                condition=Q(proposed_by__isnull=False) | ~Q(proposer_label=""),
                name="pending_decision_has_a_proposer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.clip} by {self.proposer} ({self.state})"

    @property
    def proposer(self) -> str:
        """Who proposed it, for pages: the moderator's username or the system's label."""
        if self.proposed_by_id is not None:
            return self.proposed_by.get_username()
        return self.proposer_label


class Appeal(models.Model):
    clip = models.ForeignKey(Clip, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    statement = models.TextField(max_length=10000)
    appellant = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=AppealSource.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    state = models.CharField(
        max_length=12, choices=AppealState.choices, default=AppealState.OPEN, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_appeals",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome_reason = models.CharField(max_length=500, blank=True)
    # The decision an overturned appeal put in place of `decision` (it supersedes it).
    new_decision = models.OneToOneField(
        Decision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="overturned_appeal",
    )

    class Meta:
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"Appeal on {self.clip} ({self.state})"


class SlaBand(models.Model):
    """Target hours to decision for clips at or above `min_priority` (the highest band wins).

    Bands without a queue are the default; a queue with bands of its own (routed queues,
    dashboard.Queue) uses only those.
    """

    name = models.CharField(max_length=50)
    min_priority = models.FloatField()
    hours = models.FloatField()
    queue = models.ForeignKey(
        "dashboard.Queue",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_bands",
        help_text="Empty: a default band. Set: a band of this queue only, which then uses "
        "its own bands instead of the defaults.",
    )

    class Meta:
        ordering = ["queue_id", "-min_priority"]
        verbose_name = "SLA band"
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(queue__isnull=True), name="sla_band_name"
            ),
            models.UniqueConstraint(
                fields=["min_priority"],
                condition=models.Q(queue__isnull=True),
                name="sla_band_min_priority",
            ),
            models.UniqueConstraint(fields=["queue", "name"], name="sla_band_queue_name"),
            models.UniqueConstraint(
                fields=["queue", "min_priority"], name="sla_band_queue_min_priority"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: priority ≥ {self.min_priority:g} within {self.hours:g} h"


class SlaBreach(models.Model):
    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="sla_breach")
    band = models.CharField(max_length=50)
    deadline = models.DateTimeField()
    detected_at = models.DateTimeField(default=timezone.now, db_index=True)
    status_at_detection = models.CharField(max_length=20)

    class Meta:
        ordering = ["deadline"]

    def __str__(self) -> str:
        return f"SLA breach on {self.clip} (due {self.deadline:%Y-%m-%d %H:%M})"


def pack_upload_path(instance: "EvidencePack", filename: str) -> str:
    return f"evidence/{instance.clip.public_id.hex}/{instance.pk}-{filename}"


class EvidencePack(models.Model):
    clip = models.ForeignKey(Clip, on_delete=models.PROTECT, related_name="evidence_packs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=PackState.choices, default=PackState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=100, blank=True)
    # When a worker took it: a build older than the task's time limit belongs to a dead worker.
    build_started_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=pack_upload_path, max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Evidence pack {self.pk} for {self.clip}"

    @property
    def step_display(self) -> str:
        """The build's step (stored as teamwork.evidence names it) in the reader's language."""
        return str(PACK_STEPS.get(self.step, self.step))


class PendingCaseDecision(models.Model):
    """A decision on a whole case that the two-person rule holds (teamwork.cases): asked once
    for the case; confirmed, it applies to every copy still open then, each through
    `dashboard.decisions.record_decision`. `outcome` keeps what happened to each copy."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pending_decisions")
    action = models.CharField(max_length=20, choices=DecisionAction.choices)
    labels = models.ManyToManyField(Label, blank=True, related_name="+")
    note = models.TextField(blank=True, max_length=5000)
    reason = models.CharField(max_length=500, blank=True)
    account_recommendation = models.CharField(
        max_length=10, choices=AccountRecommendation.choices, default=AccountRecommendation.NONE
    )
    covered_by = models.JSONField(default=list, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=12, choices=PendingState.choices, default=PendingState.PENDING, db_index=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="pending"),
                name="one_pending_decision_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.case} ({self.state})"
