"""Review desk records: clips and what was said and decided about them.

Decisions and audit events are append-only: their save() refuses updates and their querysets
refuse bulk update and delete, so no code path rewrites history.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation

from dashboard import names
from dashboard.constants import (
    PLAYABLE_RENDITION_STATES,
    AccountRecommendation,
    BlurStrength,
    ClipKind,
    ClipStatus,
    DecisionAction,
    DepictionSource,
    LabelCategory,
    MatchState,
    NameScript,
    RenditionState,
    ReportReason,
    ReportStatement,
)
from dashboard.memo import once


class Person(models.Model):
    """A person clips may depict: one row per person, whatever the spelling (dashboard.persons).

    `name` and `aliases` are what people edit; `name_key` and the PersonName rows are derived
    from them on every save (`reindex_names`), so a spelling is found through an index.
    A person merged into another keeps their row (`merged_into`) so an admin can undo it.
    """

    name = models.CharField(max_length=200, unique=True)
    aliases = models.JSONField(default=list, blank=True)
    protected = models.BooleanField(
        default=False, help_text="Their agency or they themselves asked for protection."
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # dashboard.names.normalise_name(name): NFKC, case-folded, no spaces, hyphens or dots.
    name_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    script = models.CharField(
        max_length=10, choices=NameScript.choices, default=NameScript.OTHER, editable=False
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_persons",
        editable=False,
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = " ".join(self.name.split())
        self.aliases = clean_aliases(self.aliases, self.name)
        self.name_key = names.normalise_name(self.name)
        self.script = names.detect_script(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name", "aliases", "name_key", "script"}
        super().save(*args, **kwargs)
        self.reindex_names()

    def reindex_names(self) -> None:
        """Rewrite this person's PersonName rows from name and aliases (none once merged)."""
        PersonName.objects.filter(person=self).delete()
        if self.merged_into_id is not None:
            return
        rows, seen = [], set()
        for spelling, primary in [(self.name, True), *((a, False) for a in self.aliases)]:
            key = names.normalise_name(spelling)
            if key and key not in seen:
                seen.add(key)
                rows.append(
                    PersonName(
                        person=self,
                        name=spelling,
                        key=key,
                        loose=names.stored_loose(spelling),
                        script=names.detect_script(spelling),
                        primary=primary,
                    )
                )
        PersonName.objects.bulk_create(rows)

    def alias_rows(self) -> list["PersonName"]:
        """The aliases with their scripts, for pages."""
        return [row for row in self.names.all() if not row.primary]


def clean_aliases(aliases: Any, name: str = "") -> list[str]:
    """Aliases as a list of distinct names, spaces collapsed, none repeating the name's key."""
    if not isinstance(aliases, list | tuple):
        aliases = []
    taken = {names.normalise_name(name)} if name else set()
    kept = []
    for raw in aliases:
        alias = " ".join(str(raw).split())[:200]
        key = names.normalise_name(alias)
        if key and key not in taken:
            taken.add(key)
            kept.append(alias)
    return kept


class PersonName(models.Model):
    """Every spelling of a person (their name and each alias) by its normalised key: the index
    the resolver reads (`dashboard.persons.resolve_person`). Derived: `Person.reindex_names`."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, db_index=True)
    # dashboard.names.stored_loose: found by a romanisation or an everyday spelling.
    loose = models.CharField(max_length=200, blank=True, db_index=True)
    script = models.CharField(max_length=10, choices=NameScript.choices)
    primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-primary", "name"]
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="one_key_per_person")]

    def __str__(self) -> str:
        return self.name


def in_reader_language(row: models.Model, field: str) -> str:
    """`field` of `row` in the active language: its `<field>_<language>` column when that is
    filled in ("name_ko"), else the field itself (English, the project's language)."""
    language = (translation.get_language() or "").split("-")[0]
    if language and language != settings.LANGUAGE_CODE:
        value = getattr(row, f"{field}_{language}", "")
        if value:
            return value
    return getattr(row, field)


class Label(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    name_ko = models.CharField("name (Korean)", max_length=100, blank=True)
    category = models.CharField(max_length=20, choices=LabelCategory.choices)
    description = models.TextField(blank=True)
    description_ko = models.TextField("description (Korean)", blank=True)
    # Whether applying this label means the moderator judged the clip manipulated.
    manipulated = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return in_reader_language(self, "name")

    @property
    def display_description(self) -> str:
        return in_reader_language(self, "description")


class RemovalPolicy(models.Model):
    """A policy reason a moderator may give for removing a clip (seeded, edited in the admin).

    A decision records the English `name` as its reason, so records stay comparable whatever
    language the moderator read the menu in; pages show the name in the reader's language.
    """

    name = models.CharField(max_length=200, unique=True)
    name_ko = models.CharField("name (Korean)", max_length=200, blank=True)
    description = models.TextField(blank=True)
    description_ko = models.TextField("description (Korean)", blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "removal policies"

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return in_reader_language(self, "name")

    @property
    def display_description(self) -> str:
        return in_reader_language(self, "description")


class Platform(models.Model):
    """A platform offered as a preset where a clip's platform is entered or filtered.

    `Clip.platform` stays free text (reports and the API send any name); a clip whose platform
    equals a preset's `name` (case aside) is shown with the preset's name in the reader's
    language.
    """

    name = models.CharField(max_length=100, unique=True)
    name_ko = models.CharField("name (Korean)", max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return in_reader_language(self, "name")


class Account(models.Model):
    """The account on a platform that posted a clip, as reports state it (dashboard.accounts).

    Unique per platform and the platform's own id for it; the handle and profile URL are what
    the latest report said. The desk never fetches the profile URL and never acts on the
    platform: a decision may only recommend what the platform should do with the account.
    """

    platform = models.CharField(max_length=100)
    account_id = models.CharField(max_length=200)
    handle = models.CharField(max_length=200, blank=True)
    profile_url = models.URLField(max_length=2000, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    # Indexed: the API lists accounts last seen first.
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["platform", "account_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "account_id"], name="one_account_per_platform_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.handle or self.account_id} on {self.platform}"


def clip_upload_path(instance: "Clip", filename: str) -> str:
    # Never the uploader's name: the public id plus the extension probed from the content.
    ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"clips/{instance.public_id.hex[:2]}/{instance.public_id.hex}.{ext}"


# The queue every item lands in when no routing rule matches (and while it is not routed yet).
GENERAL_QUEUE = "general"


class Queue(models.Model):
    """A named queue of work: routing (the `routing` app) puts each item in one queue, and
    *Next clip* serves a moderator from the queues they are a member of (dashboard/queues.py).

    The queue itself lives in the core because the clip points at it and the claim service
    reads membership; the rules that fill it belong to the routing app above the core.
    """

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    # The switcher's order; routing order is the rules' own (routing.RoutingRule.order).
    order = models.PositiveIntegerField(default=100)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="work_queues",
        blank=True,
        help_text="Moderators and seniors who work this queue. A queue without members is "
        "worked by everyone who is a member of no queue.",
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ClipQuerySet(models.QuerySet):
    def awaiting_review(self) -> "ClipQuerySet":
        return self.filter(status=ClipStatus.AWAITING_REVIEW)


class Clip(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=clip_upload_path, max_length=255)
    # A video, or a photo (JPEG, PNG, WebP, GIF; an animation counts its frames in frame_count,
    # a still has one frame, no fps and no duration). See ClipKind for why the name stays Clip.
    kind = models.CharField(max_length=10, choices=ClipKind.choices, default=ClipKind.VIDEO)
    original_filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    size_bytes = models.BigIntegerField()
    container = models.CharField(max_length=64, blank=True)
    codec = models.CharField(max_length=64, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    fps = models.FloatField(default=0.0)
    duration_s = models.FloatField(default=0.0)
    frame_count = models.PositiveIntegerField(default=0)
    has_audio = models.BooleanField(default=False)

    source_url = models.URLField(max_length=2000, blank=True)
    platform = models.CharField(max_length=100, blank=True)
    caption = models.TextField(blank=True)
    # Views or impressions the reporting platforms state: the largest any report gave (counts
    # only grow, and summing would count the same views once per report). Null when none said.
    reach = models.PositiveBigIntegerField(null=True, blank=True)
    persons = models.ManyToManyField(Person, related_name="clips", blank=True)
    # The routed queue (routing.services.route_clip); null until routed, which counts as
    # General. SET_NULL (done by Django): deleting a queue sends its items back to General.
    # No database constraint and no index of its own (clip_queue_routed_order covers it):
    # SQLite can then add and drop the column in place instead of rebuilding the clip table,
    # which at scale is slow and drops the triggers on it.
    queue = models.ForeignKey(
        Queue,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clips",
        db_constraint=False,
        db_index=False,
    )
    # When a senior moved the item by hand: routing then leaves it where they put it.
    queue_pinned_at = models.DateTimeField(null=True, blank=True)
    # The account that posted it, as the first report naming one stated (dashboard.accounts).
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="clips"
    )

    status = models.CharField(
        max_length=20, choices=ClipStatus.choices, default=ClipStatus.QUEUED, db_index=True
    )
    priority = models.FloatField(default=0.0, db_index=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    # Bumped on every state change so a page opened on an older version can be refused.
    version = models.PositiveIntegerField(default=1)

    # The active detector's latest clip score, kept here so the queue can sort without a join.
    score = models.FloatField(null=True, blank=True, db_index=True)
    scoring_done = models.PositiveIntegerField(default=0)
    scoring_total = models.PositiveIntegerField(default=0)
    scoring_lease_until = models.DateTimeField(null=True, blank=True)
    # The Celery job holding the scoring lease; a redelivery of that same job may take it over.
    scoring_job = models.CharField(max_length=64, blank=True)
    # Set when the scoring job reached the broker; a queued clip without it is re-enqueued.
    enqueued_at = models.DateTimeField(null=True, blank=True)

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_clips",
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_clips",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set when the clip's media (file, crops, packs, renditions) was deleted under a retention
    # policy or an erasure request; the record, hashes, decisions and audit stay.
    media_erased_at = models.DateTimeField(null=True, blank=True)
    media_erased_under = models.CharField(max_length=300, blank=True)

    objects = ClipQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "created_at"]
        indexes = [
            # The queue's order within one status, ending in the primary key so a keyset page
            # (dashboard/keyset.py) starts inside the index on PostgreSQL too (SQLite's indexes
            # end in the rowid anyway).
            models.Index(
                fields=["status", "-priority", "created_at", "id"], name="clip_queue_order"
            ),
            # The queue's score-band filter within a status (bench/queue_page.py).
            models.Index(fields=["status", "score"], name="clip_status_score"),
            # Next clip within a queue, and the queue switcher's grouped count over the open
            # statuses (dashboard/queues.py): read from this index, never the table.
            models.Index(
                fields=["status", "queue", "-priority", "created_at", "id"],
                name="clip_queue_routed_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Clip {self.short_id}"

    @property
    def queue_pinned(self) -> bool:
        """Whether a senior moved the item by hand (routing leaves it in its queue)."""
        return self.queue_pinned_at is not None

    @property
    def short_id(self) -> str:
        return self.public_id.hex[:8]

    @property
    def erasure_notice(self) -> str:
        """What the desk says instead of showing erased media ("" while the media is here)."""
        if self.media_erased_at is None:
            return ""
        return translation.gettext("Media erased under %(rule)s on %(day)s.") % {
            "rule": self.media_erased_under,
            "day": f"{self.media_erased_at:%Y-%m-%d}",
        }

    def active_run(self) -> "models.Model | None":
        """The finished run of the active detector model, if it scored this clip.

        `runs` is detection's DetectionRunQuerySet, which holds the definition (reached through
        the relation, so the core imports no detection module)."""
        return once(
            ("active_run", self.pk),
            lambda: self.runs.active().select_related("model").order_by("-finished_at").first(),
        )


def rendition_upload_path(instance: "ReviewRendition", filename: str) -> str:
    # Beside the original: clips/ab/<public id>.review.mp4, .poster.jpg, .sheet.jpg
    return f"{instance.clip.file.name.rsplit('.', 1)[0]}.{filename}"


class ReviewRendition(models.Model):
    """What the desk's player plays, poster and contact sheet of one clip (the original stays
    the evidence: its hash, the seniors' download, evidence packs).

    A browser-playable upload is `not_needed` (the player gets the original); any other waits
    `pending` for the rendition job (`detection.rendition_jobs`), which makes an H.264 copy
    (`ready`) or records why it could not (`failed`). `finished_at` unset is the sweeper's
    marker: the job (rendition, or only the stills of a playable upload) is not done yet.
    """

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="rendition")
    state = models.CharField(
        max_length=20, choices=RenditionState.choices, default=RenditionState.PENDING
    )
    # Why the upload does not play in browsers as it is ("" when it does).
    needed_because = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to=rendition_upload_path, max_length=255, blank=True)
    poster = models.FileField(upload_to=rendition_upload_path, max_length=255, blank=True)
    contact_sheet = models.FileField(upload_to=rendition_upload_path, max_length=255, blank=True)
    sheet_times = models.JSONField(default=list, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    stills_bytes = models.BigIntegerField(default=0)
    codec = models.CharField(max_length=32, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    encode_seconds = models.FloatField(null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when the job reached the broker; unset (or stale) on an unfinished row, it is resent.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # A job working on it holds it until then; a dead worker's claim expires.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["finished_at", "enqueued_at"], name="rendition_unfinished")]

    def __str__(self) -> str:
        return f"rendition of {self.clip} ({self.state})"

    @property
    def playable(self) -> bool:
        return self.state in PLAYABLE_RENDITION_STATES


class Report(models.Model):
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.CharField(
        max_length=20, choices=ReportReason.choices, default=ReportReason.DEEPFAKE
    )
    note = models.TextField(blank=True, max_length=5000)
    # The reach this report stated (views or impressions), if any.
    reach = models.PositiveBigIntegerField(null=True, blank=True)
    # The uploader this report named, if any.
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # The names of the persons this report said the clip depicts, as stated.
    subjects = models.JSONField(default=list, blank=True)
    # Whether the stated reach and persons reached the clip (dashboard/reports.py): at once for
    # a moderator's report or the submitter's own, after a moderator's review otherwise.
    statement = models.CharField(
        max_length=10, choices=ReportStatement.choices, default=ReportStatement.APPLIED
    )
    statement_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    statement_reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        # Covers the queue's "reported reason" filter, an EXISTS per clip.
        indexes = [models.Index(fields=["clip", "reason"], name="report_clip_reason")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.clip}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise PermissionError(f"{self.model.__name__} rows are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{self.model.__name__} rows are append-only.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{type(self).__name__} rows are append-only.")


class Depiction(AppendOnlyModel):
    """That a clip was said to depict a person, kept when the person is untagged again.

    `Clip.persons` is who the clip depicts now; a Depiction is written the first time each
    person is attached (a report's subjects, a moderator's tag) and never changed or deleted,
    so the two-person rule can read every person the clip has depicted since it was reported
    (`dashboard.persons.has_depicted_protected_person`), whoever untagged whom since.
    """

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="depictions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="depictions")
    source = models.CharField(max_length=20, choices=DepictionSource.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_depicted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_depicted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clip", "person"], name="one_depiction_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.clip} depicted {self.person}"


class Decision(AppendOnlyModel):
    clip = models.ForeignKey(Clip, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=20, choices=DecisionAction.choices)
    labels = models.ManyToManyField(Label, blank=True, related_name="decisions")
    note = models.TextField(blank=True, max_length=5000)
    reason = models.CharField(max_length=500, blank=True)
    # The person who decided; null when the system did (then `actor_label` names the policy).
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    # For decisions of the system: which policy decided, e.g. "policy:provenance_auto_apply".
    actor_label = models.CharField(max_length=100, blank=True)
    # The evidence as the moderator saw it: model, version, score, threshold, ... and, for a
    # decision an overturned appeal put in place of another, `supersedes` (that one's id).
    evidence = models.JSONField(default=dict, blank=True)
    # What the platform is advised to do with the uploader's account (sent in the webhook;
    # the desk itself never acts on the platform).
    account_recommendation = models.CharField(
        max_length=10,
        choices=AccountRecommendation.choices,
        default=AccountRecommendation.NONE,
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(moderator__isnull=False) | ~models.Q(actor_label=""),
                name="decision_has_an_actor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.clip} by {self.decided_by}"

    @property
    def supersedes_id(self) -> int | None:
        """The decision an overturned appeal replaced with this one (teamwork.appeals)."""
        return (self.evidence or {}).get("supersedes")

    @property
    def decided_by(self) -> str:
        """Who decided, for pages and exports: the moderator's username or the system's label."""
        if self.moderator_id is not None:
            return self.moderator.get_username()
        return self.actor_label


class AuditEvent(AppendOnlyModel):
    clip = models.ForeignKey(
        Clip, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    # For acts of the system: which task or command acted.
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=50, db_index=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        who = self.actor or self.actor_label or "system"
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {who} {self.action}"


class DeskPreference(models.Model):
    """How one moderator wants the desk to show them media (wellness settings)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_preference"
    )
    # Thumbnails and video start blurred and desaturated until the moderator reveals them.
    blur_media = models.BooleanField(default=True)
    # How blurred media is shown: how strong the blur, or greyscale only (no blur at all), as
    # moderators' wellness tools offer (desk/media.py, static/css/desk.css).
    blur_strength = models.CharField(
        max_length=10, choices=BlurStrength.choices, default=BlurStrength.MEDIUM
    )
    grayscale_only = models.BooleanField(default=False)
    # Blank means "not chosen": the browser's Accept-Language, and settings.TIME_ZONE.
    language = models.CharField(max_length=10, blank=True)  # one of settings.LANGUAGES
    time_zone = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"desk preferences of {self.user}"


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    # Only the SHA-256 of the token is stored; the token itself is shown once.
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class IdempotencyKey(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed to its retries."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    # sha256 over method, path, query and body (uploaded files by their sha256).
    fingerprint = models.CharField(max_length=64, blank=True)
    # Empty while the first request is still running.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        # Created by the integrations app; the table kept its name when the core adopted it.
        db_table = "integrations_idempotencykey"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key[:20]} ({self.user_id})"

    @property
    def completed(self) -> bool:
        return self.status_code is not None


class NameSuggestion(models.Model):
    """A spelling on a clip that is close to a protected person's name or alias but not linked
    to them: until a senior links or rejects it, the two-person rule treats the clip as
    depicting that person (`dashboard.persons.has_depicted_protected_person`; fail closed)."""

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="name_suggestions")
    spelling = models.CharField(max_length=200)
    spelling_key = models.CharField(max_length=200, db_index=True)
    # Who the spelling was resolved to (an existing person or one created for it) ...
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    # ... and the protected person it may really be.
    candidate = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="suggested_matches"
    )
    reason = models.CharField(max_length=20)  # dashboard.names.closeness
    state = models.CharField(
        max_length=10, choices=MatchState.choices, default=MatchState.PENDING, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clip", "spelling_key", "candidate"], name="one_suggestion_per_spelling"
            )
        ]

    def __str__(self) -> str:
        return f"{self.spelling} may be {self.candidate} ({self.state})"


class PersonMerge(models.Model):
    """Person `source` merged into `target`, with everything that moved, so an admin can undo
    it (`dashboard.persons.undo_merge`)."""

    target = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_in")
    source = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_out")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # {"clips": [ids], "aliases_added": [...], "target_protected": bool, "relations": {...}}
    moved = models.JSONField(default=dict)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} merged into {self.target}"
