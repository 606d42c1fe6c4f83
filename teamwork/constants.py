"""Named states of the team workflow: pending confirmations, appeals, evidence packs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingState(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    OVERTURNED = "overturned", _("Overturned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AppealState(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    OVERTURNED = "overturned", _("Overturned")


APPEAL_OUTCOMES = (AppealState.UPHELD, AppealState.OVERTURNED)


class AppealSource(models.TextChoices):
    API = "api", _("Forwarded by a platform")
    DESK = "desk", _("Entered by hand")


class PackState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Building")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# The steps teamwork.evidence records while it builds a pack, as the page names them.
PACK_STEPS = {
    "starting": _("starting"),
    "hashing the clip": _("hashing the clip"),
    "key frames": _("key frames"),
    "detection runs and provenance": _("detection runs and provenance"),
    "decision chain": _("decision chain"),
    "summary": _("summary"),
    "storing": _("storing"),
    "done": _("done"),
    "failed": _("failed"),
}
