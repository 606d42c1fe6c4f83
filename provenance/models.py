"""Hash banks: known fakes that must be caught when they return, and authentic references.

A :class:`HashBank` carries its own matching policy (distance, share, enabled, quarantine
limits, auto-apply). A :class:`BankEntry` is one banked clip (or imported hash list, or
authentic reference) with the frame hashes packed as bytes. A :class:`BankMatch` records
that a clip on the desk matched an entry, with the vPDQ figures; a moderator can mark it
wrong, which keeps that pair out from then on.
"""

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard.constants import DecisionAction
from dashboard.models import Clip, Decision, Person
from provenance.hashing import Band, ClipHashes


class BankKind(models.TextChoices):
    KNOWN_FAKE = "known_fake", _("Known fakes")
    REFERENCE = "reference", _("Authentic references")


class EntrySource(models.TextChoices):
    DECISION = "decision", "A moderator's decision"
    IMPORT = "import", "Imported hash list"
    REFERENCE = "reference", "Registered reference"


class FrameHashes(models.Model):
    """Packed frame hashes (see :class:`provenance.hashing.ClipHashes`)."""

    frame_hashes = models.BinaryField()
    frame_valid = models.JSONField(default=list)
    frame_indices = models.JSONField(default=list)
    frame_times = models.JSONField(default=list)
    frame_count = models.PositiveIntegerField(default=0)
    # The uniform bands cut off before hashing (provenance.hashing.Band, as JSON).
    frame_bands = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True

    @property
    def hashes(self) -> ClipHashes:
        return ClipHashes.from_bytes(
            bytes(self.frame_hashes),
            self.frame_valid,
            self.frame_indices,
            self.frame_times,
            tuple(Band.from_json(band) for band in self.frame_bands or ()),
        )

    def set_hashes(self, hashes: ClipHashes) -> None:
        self.frame_hashes = hashes.to_bytes()
        self.frame_valid = hashes.valid.tolist()
        self.frame_indices = list(hashes.indices)
        self.frame_times = [round(t, 3) for t in hashes.times]
        self.frame_count = hashes.frame_count
        self.frame_bands = [band.as_json() for band in hashes.bands]


class ClipFingerprint(FrameHashes):
    """A desk clip's frame hashes, computed once and reused for matching and banking."""

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="fingerprint")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"fingerprint of {self.clip}"


class HashBank(models.Model):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=BankKind.choices, default=BankKind.KNOWN_FAKE)
    enabled = models.BooleanField(default=True)
    distance = models.PositiveSmallIntegerField(
        default=31,
        validators=[MaxValueValidator(64)],
        help_text="Largest Hamming distance (bits of 256) at which two frames pair; "
        "unrelated frames differ by about 128.",
    )
    share = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0.05), MaxValueValidator(1.0)],
        help_text="Share of frames (either clip's) that must pair for a match.",
    )
    quarantine_matches = models.PositiveIntegerField(
        default=20,
        help_text="An entry matching more distinct clips than this within the window is paused.",
    )
    quarantine_window_hours = models.PositiveIntegerField(default=24)
    auto_apply = models.BooleanField(
        default=False,
        help_text="Apply the banked decision to a matching clip automatically (audited as "
        "the system's act). Off by default.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BankEntry(FrameHashes):
    bank = models.ForeignKey(HashBank, on_delete=models.CASCADE, related_name="entries")
    source = models.CharField(max_length=20, choices=EntrySource.choices)
    clip = models.ForeignKey(
        Clip, null=True, blank=True, on_delete=models.SET_NULL, related_name="bank_entries"
    )
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.SET_NULL)
    decision_action = models.CharField(max_length=20, blank=True)
    labels = models.JSONField(default=list, blank=True)  # label slugs
    persons = models.JSONField(default=list, blank=True)  # person names
    # Reference bank: whose authentic media this is, and what it is.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="references"
    )
    title = models.CharField(max_length=200, blank=True)
    reference_file = models.FileField(upload_to="references/", blank=True)
    # Who registered an authentic reference (named beside what changed against it).
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=200, blank=True)
    quarantined_at = models.DateTimeField(null=True, blank=True)
    quarantine_reason = models.CharField(max_length=300, blank=True)
    # A reference registered after clips arrived is matched against the open clips on the desk
    # (provenance.tasks.match_desk_against_reference): when that finished, and when its job was
    # last sent (the sweeper's marker; null on entries that need no such pass).
    desk_matched_at = models.DateTimeField(null=True, blank=True)
    desk_match_sent_at = models.DateTimeField(null=True, blank=True)
    # What a bulk import's manifest says of a reference: when it was taken, where it is from.
    reference_date = models.DateField(null=True, blank=True)
    reference_source = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "clip"],
                condition=models.Q(clip__isnull=False),
                name="provenance_one_entry_per_clip_per_bank",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.bank}"

    @property
    def decision_action_label(self) -> str:
        """The banked decision as the reader's language names it ("Remove"), not its code."""
        try:
            return str(DecisionAction(self.decision_action).label)
        except ValueError:
            return self.decision_action


class BankMatch(models.Model):
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="bank_matches")
    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="matches")
    query_share = models.FloatField()
    bank_share = models.FloatField()
    best_distance = models.PositiveSmallIntegerField()
    matched_frames = models.PositiveIntegerField()
    clip_frame = models.PositiveIntegerField(default=0)
    entry_frame = models.PositiveIntegerField(default=0)
    # The transformation the pairs show ("white band with caption (top, 28 %) removed,
    # mirrored"); empty for a plain re-encode.
    transform = models.CharField(max_length=300, blank=True)
    # For a reference found by local features (provenance.regions): the clip frame aligned
    # onto the reference, what changed drawn over the reference (PNG), and how much changed.
    change_overlay = models.FileField(upload_to="changes/", blank=True)
    change_share = models.FloatField(null=True, blank=True)
    change_face_share = models.FloatField(null=True, blank=True)
    matched_at = models.DateTimeField(default=timezone.now, db_index=True)
    marked_wrong_at = models.DateTimeField(null=True, blank=True)
    marked_wrong_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["-query_share", "best_distance"]
        constraints = [
            models.UniqueConstraint(fields=["clip", "entry"], name="provenance_one_match_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.clip} ~ entry #{self.entry_id}"

    @property
    def share(self) -> float:
        return max(self.query_share, self.bank_share)

    @property
    def clip_sampled_frames(self) -> int:
        """How many frames of the clip were sampled and hashed (its fingerprint's count)."""
        try:
            return self.clip.fingerprint.frame_count
        except ClipFingerprint.DoesNotExist:
            return 0

    @property
    def clip_share(self) -> float:
        """The share of the clip's sampled frames that paired with the entry.

        Not ``share``: for a photo (one frame) the entry side is always fully covered, so the
        larger of the two shares says "100 %" when a few of the clip's frames paired.
        """
        total = self.clip_sampled_frames
        return min(1.0, self.matched_frames / total) if total else self.query_share

    @property
    def clip_share_percent(self) -> int:
        return round(self.clip_share * 100)

    @property
    def is_still_reference(self) -> bool:
        """The entry is one picture (a photo or a still), matched by some of the clip's frames."""
        return self.entry.frame_count <= 1

    @property
    def clip_time_s(self) -> float:
        """When the clip's closest frame to the entry plays (for a seek button)."""
        fps = self.clip.fps or 25.0
        return round(self.clip_frame / fps, 3)


class BankChangeKind(models.TextChoices):
    ADD = "add", "Entry added"
    REMOVE = "remove", "Entry removed"


class BankChange(models.Model):
    """The bank's change log: every process's live index applies it (provenance.live_index).

    One row per entry added or removed, written in the transaction of the change (by the
    signal receivers in :mod:`provenance.live_index`, which see every ORM save and delete,
    cascades included). ``id`` orders the log.
    """

    kind = models.CharField(max_length=10, choices=BankChangeKind.choices)
    entry_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} entry {self.entry_id}"


class CredentialState(models.TextChoices):
    VALID = "valid", _("Valid")
    UNTRUSTED = "untrusted", _("Valid, signer not trusted")
    INVALID = "invalid", _("Invalid")
    NONE = "none", _("No Content Credentials")


class ClipCredentials(models.Model):
    """What a clip's C2PA manifest says (see provenance.c2pa_io), read once after scoring."""

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="credentials")
    state = models.CharField(max_length=20, choices=CredentialState.choices)
    signer = models.CharField(max_length=300, blank=True)
    signer_org = models.CharField(max_length=300, blank=True)
    signed_at = models.CharField(max_length=64, blank=True)
    claim_generator = models.CharField(max_length=300, blank=True)
    source_type = models.CharField(max_length=100, blank=True)
    ai_generated = models.BooleanField(default=False)
    failures = models.JSONField(default=list, blank=True)
    read_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"credentials of {self.clip}: {self.state}"

    def summary(self) -> dict[str, Any]:
        """What the manifest declares and whether it holds, as kept in evidence."""
        return {
            "state": self.state,
            "signer": self.signer,
            "signer_org": self.signer_org,
            "signed_at": self.signed_at,
            "claim_generator": self.claim_generator,
            "source_type": self.source_type,
            "ai_generated": self.ai_generated,
        }

    @property
    def suggests_label(self) -> bool:
        """Declared AI-generated by a manifest that holds (trusted or not): suggest Label."""
        return self.ai_generated and self.state in (
            CredentialState.VALID,
            CredentialState.UNTRUSTED,
        )


class ClipMetadata(models.Model):
    """What a clip's own metadata tags declare (see provenance.metadata_io), read once after
    scoring with its Content Credentials. `findings` holds each declaration with the raw field;
    `notes` what was skipped (an oversized or DTD-bearing XMP packet, unreadable EXIF)."""

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="metadata_tags")
    version = models.CharField(max_length=40)
    findings = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    fields_read = models.JSONField(default=list, blank=True)
    read_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"metadata of {self.clip}: {len(self.findings)} findings"

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("kind") == kind]


class RenditionState(models.TextChoices):
    PENDING = "pending", "Pending"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class DisclosedRendition(models.Model):
    """The clip with a burned-in "AI-generated" notice and a signed C2PA manifest citing the
    decision that labelled it; platforms fetch it to serve instead of the original."""

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="renditions")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="rendition")
    state = models.CharField(
        max_length=20, choices=RenditionState.choices, default=RenditionState.PENDING
    )
    file = models.FileField(upload_to="renditions/", blank=True, max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rendition of {self.clip} ({self.state})"


class JobKind(models.TextChoices):
    BANK = "bank", "Bank a decided clip"
    MATCH = "match", "Match a scored clip"
    RENDITION = "rendition", "Make a disclosed rendition"


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ProvenanceJob(models.Model):
    """A provenance job a committed change asked for, until it is done: the sweeper's marker.

    Written in the transaction of the change (a decision to bank, a scored clip to match), so
    the request exists exactly when the change does. `sent_at` is the last publish the broker
    took; a pending job not sent, or sent long ago and still not done, is sent again by
    `provenance.tasks.resend_provenance_jobs`. A bank or rendition job names its decision, a
    match job its clip (one row per clip, made pending again when the clip is scored again).
    """

    kind = models.CharField(max_length=20, choices=JobKind.choices)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    clip = models.ForeignKey(
        Clip, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    sends = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "decision"],
                condition=models.Q(decision__isnull=False),
                name="provenance_one_job_per_decision",
            ),
            models.UniqueConstraint(
                fields=["kind", "clip"],
                condition=models.Q(clip__isnull=False),
                name="provenance_one_job_per_clip",
            ),
            models.CheckConstraint(
                condition=models.Q(decision__isnull=False) | models.Q(clip__isnull=False),
                name="provenance_job_names_its_target",
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="provenance_job_pending")]

    def __str__(self) -> str:
        target = f"decision #{self.decision_id}" if self.decision_id else f"clip #{self.clip_id}"
        return f"{self.get_kind_display()} ({target}): {self.state}"


class CaseSource(models.TextChoices):
    MATCH = "match", "Joined by bank matching"
    SENIOR = "senior", "Added by a senior moderator"


class Case(models.Model):
    """One fabrication and its copies on the desk (provenance.cases).

    The matching task builds cases incrementally: clips that match the same banked entry
    (known fake or authentic reference), or match each other (one was banked, the other matched
    its entry), belong to one case. `entries` are the banked entries that define it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200, blank=True)
    entries = models.ManyToManyField(BankEntry, related_name="cases", blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title or f"Case {self.short_id}"

    @property
    def short_id(self) -> str:
        return self.public_id.hex[:8]


class CaseMember(models.Model):
    """That a clip is a copy in a case. A clip is in one case at most; a senior's removal
    keeps the row (`removed_at`) so matching never puts the clip back on its own."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="case_membership")
    source = models.CharField(max_length=10, choices=CaseSource.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["added_at", "id"]
        indexes = [models.Index(fields=["case", "removed_at"], name="case_member_active")]

    def __str__(self) -> str:
        return f"{self.clip} in {self.case}"


class ImportState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Finished")


class ReferenceImport(models.Model):
    """A bulk import of authentic references (provenance.refimport): a ZIP uploaded on the
    page, or a folder on the server (the ``import_references`` command), with its CSV manifest.

    ``rows`` is the manifest as parsed (one dict per data row, with the row's error when the
    row itself is refused); the job works through them in order and ``done`` is how many it
    finished, so a re-sent job carries on where the last one stopped. ``report`` lists every
    refusal (line, file, code, sentence); ``entries`` the references registered.
    """

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    archive = models.FileField(upload_to="reference-imports/", blank=True)
    folder = models.CharField(max_length=1000, blank=True)
    name = models.CharField(max_length=200, blank=True)
    # The language the import was asked for in: the report's sentences are written in it.
    language = models.CharField(max_length=10, blank=True)
    rows = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=ImportState.choices, default="pending")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list)
    entries = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"reference import #{self.pk}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100
