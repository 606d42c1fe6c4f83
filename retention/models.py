"""Retention records: how long media is kept per final outcome, legal holds that stop deletion,
and erasure requests of the people depicted with what was erased for each.

Only media goes: the clip row, its SHA-256 and PDQ fingerprint (so the clip is recognised when
it resurfaces), reports, decisions and the audit trail stay. The rules live in
`retention.services`.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dashboard.models import Clip, Person
from retention.constants import ErasureState, Outcome


class RetentionPolicy(models.Model):
    """How long the media of clips with one final outcome is kept after the decision.

    The media of a clip becomes due `delete_after_days` after its decision and never before its
    appeal window (`appeal_window_days` after the decision) has passed; an open appeal, a legal
    hold or a pack being built keeps it longer. An outcome without an active policy, or with
    `delete_media` off, keeps media indefinitely.
    """

    outcome = models.CharField(max_length=20, choices=Outcome.choices, unique=True)
    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    delete_media = models.BooleanField(
        default=True, help_text="Off: media of clips with this outcome is kept indefinitely."
    )
    delete_after_days = models.PositiveIntegerField(
        default=30, help_text="Days after the final decision the media is deleted."
    )
    appeal_window_days = models.PositiveIntegerField(
        default=30,
        help_text="Days after the decision an appeal may still come: media is never deleted "
        "within them.",
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["outcome"]
        verbose_name_plural = "retention policies"

    def __str__(self) -> str:
        return self.name

    @property
    def keeps_for(self) -> timedelta:
        return timedelta(days=max(self.delete_after_days, self.appeal_window_days))


class LegalHoldQuerySet(models.QuerySet):
    def active(self) -> "LegalHoldQuerySet":
        return self.filter(released_at__isnull=True)


class LegalHold(models.Model):
    """A hold that keeps media from deletion: on one clip, or on every clip depicting a person.

    Unmask has no case model, so a group of clips is held through the person they depict (or
    one hold per clip). Released holds stay as the record.
    """

    clip = models.ForeignKey(
        Clip, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.CharField(max_length=500, help_text="The matter, court order or request.")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=500, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(clip__isnull=False) & Q(person__isnull=True))
                | (Q(clip__isnull=True) & Q(person__isnull=False)),
                name="legal_hold_on_clip_or_person",
            )
        ]

    def __str__(self) -> str:
        target = self.clip if self.clip_id else f"person {self.person}"
        state = "released" if self.released_at else "active"
        return f"Legal hold on {target} ({state})"


class ErasureRequest(models.Model):
    """A person's request that media depicting them be erased, and what carrying it out did.

    `result` lists, per clip, the media erased and, for clips kept, why (a legal hold).
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="erasure_requests")
    requested_by = models.CharField(
        max_length=200, help_text="Who asked: the person, their agency or lawyer, and how."
    )
    received_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=ErasureState.choices, default=ErasureState.RECEIVED
    )
    carried_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    carried_out_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"Erasure request {self.pk} for {self.person}"
