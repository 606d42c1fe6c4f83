"""Named states of retention: which outcomes a policy can cover, and an erasure request's life."""

from django.db import models

from dashboard.constants import ClipStatus


class Outcome(models.TextChoices):
    """A clip's final outcome, as a retention policy names it (the final clip states)."""

    APPROVED = ClipStatus.APPROVED.value, "Approved"
    LABELED = ClipStatus.LABELED.value, "Labelled"
    REMOVED = ClipStatus.REMOVED.value, "Removed"


class ErasureState(models.TextChoices):
    RECEIVED = "received", "Received, not carried out yet"
    DONE = "done", "Carried out"
    # Some clips were under a legal hold and kept; the rest was erased.
    PARTIAL = "partial", "Carried out except for clips under legal hold"


SWEEP_ACTOR = "retention.sweep"
