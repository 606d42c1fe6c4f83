"""Insight's only table: clips silently sampled for a second, blind opinion.

A sample points at the clip's first Decision and records what a second moderator, who never
sees that decision, would have done. It is a measurement only: it never changes the clip.
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
