"""Named states and choices of the review desk; the transition table lives in workflow.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClipStatus(models.TextChoices):
    QUEUED = "queued", _("Queued for scoring")
    SCORING = "scoring", _("Scoring")
    AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    LABELED = "labeled", _("Labelled")
    REMOVED = "removed", _("Removed")
    ESCALATED = "escalated", _("Escalated")
    # A decision the two-person rule covers waits here for a second moderator (teamwork app).
    AWAITING_CONFIRM = "awaiting_confirm", _("Awaiting confirmation")
    FAILED = "failed", _("Failed")


_S = ClipStatus

# Named sets of states. Each name says what the set means; a module that needs "open" clips
# picks the set whose meaning it has instead of spelling a tuple of its own. Tuples, so the
# database can read them from the (status, ...) indexes with `status__in`.

# Decided for good: no transition leaves these (workflow.py asserts it).
FINAL_STATES: tuple[str, ...] = (_S.APPROVED, _S.LABELED, _S.REMOVED)
# Not decided yet, failed clips included: the team dashboard's backlog (insight).
UNDECIDED_STATES: tuple[str, ...] = tuple(s for s in _S.values if s not in FINAL_STATES)
# Still in the scoring pipeline: no score yet, nothing for a person to review.
SCORING_STATES: tuple[str, ...] = (_S.QUEUED, _S.SCORING)
# A moderator (or, for escalated clips, a senior) may open and claim the clip (claims.py).
REVIEWABLE_STATES: tuple[str, ...] = (_S.AWAITING_REVIEW, _S.IN_REVIEW, _S.ESCALATED)
# What the moderators' queue lists by default: on its way to a moderator or with one; not
# escalated (the seniors' queue), not waiting for a second person, not failed, not decided.
MODERATOR_QUEUE_STATES: tuple[str, ...] = (_S.QUEUED, _S.SCORING, _S.AWAITING_REVIEW, _S.IN_REVIEW)
# The SLA clock runs: undecided and waiting on people or the pipeline. A failed clip waits on
# operators, so its deadline is not counted (teamwork.sla).
SLA_CLOCK_STATES: tuple[str, ...] = tuple(s for s in UNDECIDED_STATES if s != _S.FAILED)


class DepictionSource(models.TextChoices):
    """Who first said a clip depicts a person (dashboard.models.Depiction)."""

    REPORT = "report", "A report named them"
    MODERATOR = "moderator", "A moderator tagged them"
    RECORDED = "recorded", "Tagged before depictions were recorded"
    MERGED = "merged", "Depicted under a person merged into them"


class NameScript(models.TextChoices):
    """The writing system of a person's name or alias (dashboard.names.detect_script)."""

    HANGUL = "hangul", _("Hangul")
    LATIN = "latin", _("Latin (romanised)")
    HANJA = "hanja", _("Hanja")
    OTHER = "other", _("Other")


class MatchState(models.TextChoices):
    """A possible match of a spelling to a protected person (dashboard.models.NameSuggestion)."""

    PENDING = "pending", _("Waiting for a senior moderator")
    LINKED = "linked", _("Linked: the same person")
    REJECTED = "rejected", _("Rejected: another person")


class ReportReason(models.TextChoices):
    DEEPFAKE = "deepfake", _("Suspected deepfake")
    IMPERSONATION = "impersonation", _("Impersonation")
    NON_CONSENSUAL = "non_consensual", _("Non-consensual intimate content")
    MISLEADING = "misleading", _("Misleading or out of context")
    OTHER = "other", _("Other")


class ReportStatement(models.TextChoices):
    """Where a report's statements (its reach and persons) stand (dashboard/reports.py)."""

    # Applied to the clip: at once (a moderator's report, or the submitter's own), or after a
    # moderator accepted them.
    APPLIED = "applied", "Applied"
    # Recorded on the report only, until a moderator accepts or dismisses them.
    PENDING = "pending", "Awaiting a moderator"
    DISMISSED = "dismissed", "Dismissed by a moderator"


class DecisionAction(models.TextChoices):
    APPROVE = "approve", _("Approve")
    LABEL = "label", _("Label")
    REMOVE = "remove", _("Remove")
    ESCALATE = "escalate", _("Escalate")


class AccountRecommendation(models.TextChoices):
    """What a decision advises the platform to do with the uploader's account."""

    NONE = "none", _("No action on the account")
    WARN = "warn", _("Warn the account")
    RESTRICT = "restrict", _("Restrict the account")
    SUSPEND = "suspend", _("Suspend the account")


DECISION_TARGET = {
    DecisionAction.APPROVE: ClipStatus.APPROVED,
    DecisionAction.LABEL: ClipStatus.LABELED,
    DecisionAction.REMOVE: ClipStatus.REMOVED,
    DecisionAction.ESCALATE: ClipStatus.ESCALATED,
}


class LabelCategory(models.TextChoices):
    MANIPULATION = "manipulation", _("Manipulation")
    CONTEXT = "context", _("Context")


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


class ClipKind(models.TextChoices):
    """What an item under review is. The model keeps its name, Clip: a photo is reviewed as a
    clip of one frame (an animated GIF or WebP as a clip of its frames), through the same
    queue, states, decisions, audit, appeals, packs and webhooks; `kind` says which."""

    VIDEO = "video", _("Video")
    PHOTO = "photo", _("Photo")


class RenditionState(models.TextChoices):
    """Where a clip's review rendition stands (dashboard.models.ReviewRendition)."""

    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready"
    # The upload plays in browsers as it is: the player gets the original.
    NOT_NEEDED = "not_needed", "Not needed (plays as uploaded)"
    FAILED = "failed", "Failed"


# States in which the desk has something a browser can play.
PLAYABLE_RENDITION_STATES = (RenditionState.READY, RenditionState.NOT_NEEDED)


class BlurStrength(models.TextChoices):
    """How strongly blurred media is blurred (a moderator's wellness preference)."""

    LIGHT = "light", _("Light")
    MEDIUM = "medium", _("Medium")
    STRONG = "strong", _("Strong")
