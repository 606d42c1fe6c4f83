"""Insight's tables: second-opinion samples, and the dashboard's per-hour summary.

An AgreementSample points at the clip's first Decision and records what a second moderator, who
never sees that decision, would have done. It is a measurement only: it never changes the clip.

The summary tables (ClipHour, WaitHour, DecisionHour, LabelHour, PersonHour) hold the team
dashboard's counts per UTC hour, so a 60-day range adds up a few thousand rows instead of
reading every clip and decision. They are derived data: `insight.summary` rebuilds an hour from
the desk's rows whenever a StaleHour row says that hour changed, and the database triggers in
`insight.triggers` write those rows on every change, whoever makes it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from dashboard.constants import DecisionAction


class AgreementSample(models.Model):
    clip = models.OneToOneField(
        "dashboard.Clip", on_delete=models.PROTECT, related_name="agreement_sample"
    )
    first_decision = models.OneToOneField(
        "dashboard.Decision", on_delete=models.PROTECT, related_name="agreement_sample"
    )
    sampled_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Who took the second review; set when claimed, so two moderators never do the same one.
    second_moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="second_reviews",
    )
    second_action = models.CharField(max_length=20, choices=DecisionAction.choices, blank=True)
    second_note = models.TextField(blank=True, max_length=5000)
    reviewed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["sampled_at", "id"]

    def __str__(self) -> str:
        return f"agreement sample of {self.clip}"

    @property
    def agreed(self) -> bool | None:
        if not self.second_action:
            return None
        return self.second_action == self.first_decision.action


# --- The dashboard's summary -------------------------------------------------------------------
# Every summary row is keyed by `hour`, the start of a UTC hour. Keys that point at desk rows
# (moderator, label, person) are plain ids without a database constraint: the summary must never
# stand in the way of deleting a person or a label (the triggers mark the hours stale instead).


def _loose_key(model: str, *, null: bool = False) -> models.ForeignKey:
    return models.ForeignKey(
        model, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", null=null
    )


class StaleHour(models.Model):
    """An hour whose summary rows no longer match the desk's rows (written by triggers).

    Append-only and never unique: two writers touching the same hour each add a row, so a
    refresh deletes exactly the rows it read and a change committed meanwhile is never lost.
    """

    hour = models.DateTimeField(db_index=True)
    hour_end = models.DateTimeField()

    def __str__(self) -> str:
        return f"stale {self.hour:%Y-%m-%d %H}:00"


class SummaryState(models.Model):
    """One row: its lock serialises refreshes; when the last one ran and what it did."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    hours_refreshed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"summary refreshed at {self.refreshed_at}"


class ClipHour(models.Model):
    """Clips that arrived in the hour, and clips that reached a final state in it, by platform."""

    hour = models.DateTimeField()
    platform = models.CharField(max_length=100, blank=True)
    arrived = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hour", "platform"], name="insight_cliphour_key")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 {self.platform}: {self.arrived} in, {self.decided} out"


class WaitHour(models.Model):
    """Clips decided in the hour by time-to-decision bucket (`insight.summary.WAIT_EDGES`)."""

    hour = models.DateTimeField()
    bucket = models.PositiveSmallIntegerField()
    clips = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hour", "bucket"], name="insight_waithour_key")
        ]
        # Key first: a range's sum is grouped in index order (SQLite skip-scans the hours).
        indexes = [models.Index(fields=["bucket", "hour", "clips"], name="insight_waithour_by_key")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 wait bucket {self.bucket}: {self.clips}"


class DecisionHour(models.Model):
    """Decisions taken in the hour per moderator and action, and how many were overturned."""

    hour = models.DateTimeField()
    # Null for decisions the system took (a bank's auto-apply policy).
    moderator = _loose_key(settings.AUTH_USER_MODEL, null=True)
    action = models.CharField(max_length=20, choices=DecisionAction.choices)
    decisions = models.PositiveIntegerField()
    overturned = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "moderator", "action"], name="insight_decisionhour_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["moderator", "action", "hour", "decisions", "overturned"],
                name="insight_decisionhour_by_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 {self.moderator_id} {self.action}: {self.decisions}"


class LabelHour(models.Model):
    """Labels applied by the decisions taken in the hour."""

    hour = models.DateTimeField()
    label = _loose_key("dashboard.Label")
    applied = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hour", "label"], name="insight_labelhour_key")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 label {self.label_id}: {self.applied}"


class PersonHour(models.Model):
    """Persons depicted in the clips that arrived in the hour."""

    hour = models.DateTimeField()
    person = _loose_key("dashboard.Person")
    clips = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hour", "person"], name="insight_personhour_key")
        ]
        indexes = [
            models.Index(fields=["person", "hour", "clips"], name="insight_personhour_by_key")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 person {self.person_id}: {self.clips}"
