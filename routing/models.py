"""Routing rules: an ordered list of conditions over an item, each naming the queue it lands in.

The queues themselves are the core's (`dashboard.models.Queue`: the clip points at its queue
and the claim service reads membership); the rules live here, above the satellites, because
answering them reads the provenance banks' matches (routing.conditions).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dashboard.constants import ReportReason
from dashboard.models import Queue


class SuspicionAtLeast(models.TextChoices):
    """The suspicion level (dashboard.signals) a rule asks for, at least."""

    WEAK = "weak", _("Weak or stronger")
    STRONG = "strong", _("Strong or stronger")
    CONCLUSIVE = "conclusive", _("Conclusive")


class ItemKind(models.TextChoices):
    VIDEO = "video", _("Video")
    PHOTO = "photo", _("Photo")


class RoutingRule(models.Model):
    """Send items meeting every condition set here to `queue`; the first matching rule wins.

    A condition left empty (unticked, blank) is not tested. `extra_conditions` holds
    conditions other apps register (dashboard.hooks.routing_conditions) as {key: parameter}.
    """

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Rules are tried from the lowest order up.")
    )
    active = models.BooleanField(_("active"), default=True)
    queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("queue")
    )

    protected_person = models.BooleanField(_("a depicted person is protected"), default=False)
    min_reach = models.PositiveBigIntegerField(_("stated reach at least"), null=True, blank=True)
    known_fake_match = models.BooleanField(
        _("matches a banked known fake"),
        default=False,
        help_text=_("An active match (not marked wrong, entry not quarantined)."),
    )
    reference_match = models.BooleanField(_("matches an authentic reference"), default=False)
    min_suspicion = models.CharField(
        _("suspicion level at least"),
        max_length=20,
        choices=SuspicionAtLeast.choices,
        blank=True,
    )
    platforms = models.CharField(
        _("platforms"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated; any of them matches (case does not matter)."),
    )
    report_reason = models.CharField(
        _("a report gave the reason"), max_length=20, choices=ReportReason.choices, blank=True
    )
    item_kind = models.CharField(
        _("item kind"), max_length=10, choices=ItemKind.choices, blank=True
    )
    extra_conditions = models.JSONField(
        _("conditions from other apps"),
        default=dict,
        blank=True,
        help_text=_("{key: parameter} for conditions other apps register."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.order}. {self.name} → {self.queue}"

    @property
    def platform_list(self) -> list[str]:
        return [p.strip().lower() for p in self.platforms.split(",") if p.strip()]
