"""Named states and choices of the review desk; the transition table lives in workflow.py."""

from django.db import models


class ClipStatus(models.TextChoices):
    QUEUED = "queued", "Queued for scoring"
    SCORING = "scoring", "Scoring"
    AWAITING_REVIEW = "awaiting_review", "Awaiting review"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    LABELED = "labeled", "Labelled"
    REMOVED = "removed", "Removed"
    ESCALATED = "escalated", "Escalated"
    # A decision the two-person rule covers waits here for a second moderator (teamwork app).
    AWAITING_CONFIRM = "awaiting_confirm", "Awaiting confirmation"
    FAILED = "failed", "Failed"


FINAL_STATES = (ClipStatus.APPROVED, ClipStatus.LABELED, ClipStatus.REMOVED)
# States in which a moderator (or, for escalated clips, a senior) can take the clip.
REVIEWABLE_STATES = (ClipStatus.AWAITING_REVIEW, ClipStatus.IN_REVIEW, ClipStatus.ESCALATED)


class ReportReason(models.TextChoices):
    DEEPFAKE = "deepfake", "Suspected deepfake"
    IMPERSONATION = "impersonation", "Impersonation"
    NON_CONSENSUAL = "non_consensual", "Non-consensual intimate content"
    MISLEADING = "misleading", "Misleading or out of context"
    OTHER = "other", "Other"


class DecisionAction(models.TextChoices):
    APPROVE = "approve", "Approve"
    LABEL = "label", "Label"
    REMOVE = "remove", "Remove"
    ESCALATE = "escalate", "Escalate"


DECISION_TARGET = {
    DecisionAction.APPROVE: ClipStatus.APPROVED,
    DecisionAction.LABEL: ClipStatus.LABELED,
    DecisionAction.REMOVE: ClipStatus.REMOVED,
    DecisionAction.ESCALATE: ClipStatus.ESCALATED,
}


class LabelCategory(models.TextChoices):
    MANIPULATION = "manipulation", "Manipulation"
    CONTEXT = "context", "Context"


class Role(models.TextChoices):
    MODERATOR = "Moderator", "Moderator"
    SENIOR = "Senior moderator", "Senior moderator"
    ADMIN = "Admin", "Admin"
    REPORTER = "Reporter", "Reporter"


class ClipEvent(models.TextChoices):
    """What can happen to a clip that other apps (and webhook receivers) may hear about."""

    CLIP_SCORED = "clip.scored", "Clip scored"
    CLIP_DECIDED = "clip.decided", "Clip decided"
    CLIP_ESCALATED = "clip.escalated", "Clip escalated"
    CLIP_FAILED = "clip.failed", "Clip failed"
    CLIP_APPEAL_DECIDED = "clip.appeal_decided", "Appeal decided"


class RenditionState(models.TextChoices):
    """Where a clip's review rendition stands (dashboard.models.ReviewRendition)."""

    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready"
    # The upload plays in browsers as it is: the player gets the original.
    NOT_NEEDED = "not_needed", "Not needed (plays as uploaded)"
    FAILED = "failed", "Failed"


# States in which the desk has something a browser can play.
PLAYABLE_RENDITION_STATES = (RenditionState.READY, RenditionState.NOT_NEEDED)
