"""Named states of the team workflow: pending confirmations, appeals, evidence packs."""

from django.db import models


class PendingState(models.TextChoices):
    PENDING = "pending", "Awaiting confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    OVERTURNED = "overturned", "Overturned"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AppealState(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    OVERTURNED = "overturned", "Overturned"


APPEAL_OUTCOMES = (AppealState.UPHELD, AppealState.OVERTURNED)


class AppealSource(models.TextChoices):
    API = "api", "Forwarded by a platform"
    DESK = "desk", "Entered by hand"


class PackState(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Building"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
