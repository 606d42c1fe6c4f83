"""API representations (clips, decisions, reference data, detector models) and request bodies.

Serializers parse and render only: they build the services' request objects (`Submission`,
`DecisionRequest`, `Manifest`) and never save anything themselves.
"""

from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dashboard.accounts import AccountError, clean_uploader
from dashboard.constants import AccountRecommendation, DecisionAction, ReportReason, ReportStatement
from dashboard.decisions import DecisionRequest
from dashboard.identity import spelling_taken
from dashboard.models import (
    GENERAL_QUEUE,
    Account,
    AuditEvent,
    Clip,
    Decision,
    Label,
    Person,
    Report,
)
from dashboard.persons import MAX_SUBJECTS
from dashboard.signals import SUSPICION_LEVEL_CHOICES, gather_signals, suspicion_level
from desk.ingest import MAX_REACH, InvalidReach, Submission, parse_reach
from detection.models import DetectorModel
from detection.registry import Manifest
from detection.signals import abstained, no_face_sentence
from detection.validation import validation_status
from provenance.serializers import BankMatchSerializer, ClipCredentialsSerializer
from provenance.services import active_matches, credentials_for


class ReachField(serializers.IntegerField):
    """A stated reach: a JSON integer or a string of digits (multipart), 0 to MAX_REACH.

    Stricter than IntegerField, which would take 1.0, "1.0" or other scripts' digits.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=MAX_REACH, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        try:
            reach = parse_reach(data)
        except InvalidReach as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from exc
        if reach is None:  # a blank string; an absent reach is null or left out
            raise serializers.ValidationError(_("Reach must be a whole number of views, or null."))
        return reach


class ReportRequestSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReportReason.choices, default=ReportReason.DEEPFAKE)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    subjects = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=MAX_SUBJECTS
    )
    reach = ReachField(
        required=False,
        allow_null=True,
        help_text=(
            "Views or impressions the platform states for the clip. The clip keeps the largest "
            "reach any report stated."
        ),
    )
    uploader_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The platform's own id of the account that posted the clip.",
    )
    uploader_handle = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="The account's handle."
    )
    uploader_url = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="The account's profile page (http or https); stored, never fetched.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["uploader"] = clean_uploader(
                attrs.pop("uploader_id", ""),
                attrs.pop("uploader_handle", ""),
                attrs.pop("uploader_url", ""),
            )
        except AccountError as exc:
            raise serializers.ValidationError({"uploader": exc.message}, code=exc.code) from exc
        return attrs

    def to_submission(self) -> Submission:
        data = self.validated_data
        return Submission(
            reason=data.get("reason", ReportReason.DEEPFAKE),
            note=data.get("note", ""),
            subjects=tuple(data.get("subjects", [])),
            reach=data.get("reach"),
            uploader=data.get("uploader"),
        )


class ClipSubmissionSerializer(ReportRequestSerializer):
    """A new clip: the file and where it was seen, plus the report that flags it."""

    file = serializers.FileField(allow_empty_file=True, use_url=False)
    platform = serializers.CharField(max_length=100, required=False, allow_blank=True)
    source_url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
    caption = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs.get("uploader") is not None and not attrs.get("platform", "").strip():
            raise serializers.ValidationError(
                {"platform": "Name the platform the uploader's account is on."},
                code="platform_required",
            )
        return attrs

    def to_submission(self) -> Submission:
        data = self.validated_data
        return replace(
            super().to_submission(),
            platform=data.get("platform", ""),
            source_url=data.get("source_url", ""),
            caption=data.get("caption", ""),
        )


class FaceCountsSerializer(serializers.Serializer):
    frames_sampled = serializers.IntegerField()
    frames_with_face = serializers.IntegerField()
    faces_found = serializers.IntegerField(help_text="Every face detection, scorable or not.")
    faces_scored = serializers.IntegerField()
    faces_too_small = serializers.IntegerField()
    faces_low_confidence = serializers.IntegerField()


class ValidationStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["real", "synthetic", "none"],
        help_text="What data the model was validated on: real, synthetic only, or none.",
    )
    summary = serializers.CharField()
    trusted_on_real = serializers.BooleanField()


class DetectionSerializer(serializers.Serializer):
    model = serializers.CharField()
    version = serializers.CharField()
    score = serializers.FloatField(
        allow_null=True,
        help_text="The clip score (mean of the top frame scores among frames with a scorable "
        "face); null when the model abstained, see score_reason.",
    )
    score_reason = serializers.CharField(
        allow_null=True,
        help_text="Why score is null: 'no_face' (no face the model can judge); null when "
        "there is a score.",
    )
    score_sentence = serializers.CharField(
        help_text="What the score rests on, in a sentence ('' when there is a score)."
    )
    threshold = serializers.FloatField()
    frames_scored = serializers.IntegerField(help_text="Sampled frames looked at.")
    faces_found = serializers.IntegerField()
    frames_without_face = serializers.IntegerField(
        help_text="Sampled frames without a scorable face (no model score)."
    )
    counts = FaceCountsSerializer(
        allow_null=True, help_text="Face counts (null for runs made before scoring rules 2)."
    )
    rules_version = serializers.IntegerField(
        help_text="Scoring rules the run was made under; 2 abstains without a face."
    )
    aggregation = serializers.CharField(help_text="The clip-score rule, in words.")
    validation = ValidationStatusSerializer()
    finished_at = serializers.DateTimeField(allow_null=True)
    timings_ms = serializers.DictField(child=serializers.FloatField())
    timeline = serializers.ListField(child=serializers.DictField())


class SignalSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()
    title = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="On `scale`; null: not applicable.")
    scale = serializers.CharField()
    applicable = serializers.BooleanField()
    not_applicable_reason = serializers.CharField()
    fired = serializers.BooleanField()
    supports = serializers.ChoiceField(
        choices=SUSPICION_LEVEL_CHOICES,
        help_text="The suspicion level this signal supports when it fires.",
    )
    sentence = serializers.CharField(help_text="What was observed and where, in words.")
    where = serializers.ListField(child=serializers.DictField(), help_text="{t, frame, label}")
    cost_ms = serializers.FloatField(allow_null=True)
    detail = serializers.CharField()


class SuspicionSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=SUSPICION_LEVEL_CHOICES,
        help_text="The strongest level among the signals that fired (a rule, not a "
        "probability; see README, Signals and suspicion level).",
    )
    signals = SignalSerializer(many=True, help_text="Strongest first.")


def detection_payload(clip: Clip) -> dict[str, Any] | None:
    run = clip.active_run()
    if run is None:
        return None
    no_face = abstained(run)
    status = validation_status(run.model.validation)
    return {
        "model": run.model.name,
        "version": run.model.version,
        "score": None if no_face else run.clip_score,
        "score_reason": "no_face" if no_face else None,
        "score_sentence": no_face_sentence(run) if no_face else "",
        "threshold": run.threshold,
        "frames_scored": run.frames_scored,
        "faces_found": run.faces_found,
        "frames_without_face": run.frames_without_face,
        "counts": run.counts or None,
        "rules_version": run.rules_version,
        "aggregation": run.aggregation,
        "validation": {
            "status": status.data,
            "summary": status.summary,
            "trusted_on_real": status.trusted_on_real,
        },
        "finished_at": run.finished_at,
        "timings_ms": run.timings_ms,
        "timeline": run.timeline,
    }


def suspicion_payload(clip: Clip) -> dict[str, Any]:
    signals = gather_signals(clip)
    return {
        "level": suspicion_level(signals).label,
        "signals": [s.as_dict() for s in signals],
    }


class AccountRefSerializer(serializers.ModelSerializer):
    """The account that posted a clip (dashboard.accounts)."""

    class Meta:
        model = Account
        fields = ["id", "platform", "account_id", "handle", "profile_url"]
        read_only_fields = fields


class ClipSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    uploader = AccountRefSerializer(source="account", read_only=True, allow_null=True)
    persons = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    # Blank when the reporter gave none, so not typed as a URI.
    source_url = serializers.CharField(read_only=True)
    reports = serializers.SerializerMethodField()
    detection = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        fields = [
            "id",
            # "video" or "photo"; added with photos, so clients that ignore it see clips as before.
            "kind",
            "status",
            "score",
            "priority",
            "failure_reason",
            "original_filename",
            "sha256",
            "size_bytes",
            "container",
            "codec",
            "width",
            "height",
            "fps",
            "duration_s",
            "frame_count",
            "has_audio",
            "platform",
            "source_url",
            "caption",
            "reach",
            "uploader",
            "persons",
            "reports",
            "progress",
            "detection",
            "created_at",
            "updated_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_reports(self, clip: Clip) -> int:
        return clip.reports.count()

    def get_progress(self, clip: Clip) -> dict[str, int]:
        return {"done": clip.scoring_done, "total": clip.scoring_total}

    @extend_schema_field(DetectionSerializer(allow_null=True))
    def get_detection(self, clip: Clip) -> dict[str, Any] | None:
        return detection_payload(clip)

    def to_representation(self, clip: Clip) -> dict[str, Any]:
        data = super().to_representation(clip)
        detection = data.get("detection")
        data["score"] = detection["score"] if detection else None
        return data


# --- Moderators' views of clips ---------------------------------------------------------------


class QueueSlugField(serializers.Field):
    """The slug of the item's routed queue; an item not routed yet is in General."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault(
            "help_text", "Slug of the routed queue (`general` for an item not routed yet)."
        )
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, clip: Clip) -> str:
        return clip.queue.slug if clip.queue_id else GENERAL_QUEUE


extend_schema_field({"type": "string"})(QueueSlugField)


class ClipListSerializer(serializers.ModelSerializer):
    """One row of the clip list: enough to triage, nothing heavy (no timeline)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    persons = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    reports = serializers.IntegerField(source="report_total", read_only=True)
    claimed_by = serializers.SlugRelatedField(
        read_only=True, allow_null=True, slug_field="username"
    )
    queue = QueueSlugField()
    uploader = AccountRefSerializer(source="account", read_only=True, allow_null=True)

    class Meta:
        model = Clip
        fields = [
            "id",
            "kind",
            "status",
            "score",
            "priority",
            "queue",
            "version",
            "platform",
            "caption",
            "reach",
            "uploader",
            "duration_s",
            "persons",
            "reports",
            "claimed_by",
            "claim_expires_at",
            "created_at",
            "updated_at",
            "decided_at",
        ]
        read_only_fields = fields


class DuplicateReceiptSerializer(serializers.Serializer):
    """What a duplicate upload answers a caller who may not read the clip it duplicates: its own
    report's id, and nothing of the clip."""

    report = serializers.IntegerField(help_text="Id of the report this upload added.")
    status = serializers.ChoiceField(
        choices=["already_known"], help_text="The desk already had these bytes."
    )


class ReportSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    clip = serializers.UUIDField(source="clip.public_id", read_only=True)
    subjects = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The persons the report named."
    )
    statement = serializers.ChoiceField(
        choices=ReportStatement.choices,
        read_only=True,
        help_text=(
            "Whether the stated reach and persons count for the clip: `applied`, or `pending` "
            "a moderator's review (another integration's duplicate upload), or `dismissed`."
        ),
    )

    class Meta:
        model = Report
        fields = ["id", "clip", "reason", "note", "reach", "subjects", "statement", "created_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    clip = serializers.UUIDField(source="clip.public_id", read_only=True)
    clip_status = serializers.CharField(source="clip.status", read_only=True)
    labels = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    # Null when the system decided; `actor_label` then names the policy.
    moderator = serializers.SlugRelatedField(read_only=True, slug_field="username", allow_null=True)
    evidence = serializers.DictField(read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "clip",
            "clip_status",
            "action",
            "labels",
            "note",
            "reason",
            "moderator",
            "actor_label",
            "account_recommendation",
            "evidence",
            "created_at",
        ]
        read_only_fields = fields


class ClipDetailSerializer(ClipSerializer):
    """A clip as moderators see it: the submitter's view plus claims, reports and decisions."""

    claimed_by = serializers.SlugRelatedField(
        read_only=True, allow_null=True, slug_field="username"
    )
    report_log = ReportSerializer(source="reports", many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    provenance_matches = serializers.SerializerMethodField()
    content_credentials = serializers.SerializerMethodField()
    # Moderators only: the signals name bank entries and manifests a reporter must not see.
    suspicion = serializers.SerializerMethodField()
    # Moderators only: how the desk splits its work is not the reporting platform's business.
    queue = QueueSlugField()

    class Meta(ClipSerializer.Meta):
        fields = [
            *ClipSerializer.Meta.fields,
            "queue",
            "version",
            "claimed_by",
            "claim_expires_at",
            "report_log",
            "decisions",
            "provenance_matches",
            "content_credentials",
            "suspicion",
        ]
        read_only_fields = fields

    @extend_schema_field(SuspicionSerializer)
    def get_suspicion(self, clip: Clip) -> dict[str, Any]:
        return suspicion_payload(clip)

    @extend_schema_field(BankMatchSerializer(many=True))
    def get_provenance_matches(self, clip: Clip) -> list[dict[str, Any]]:
        # Known fakes and authentic references the clip matches (provenance app).
        return BankMatchSerializer(active_matches(clip), many=True).data

    @extend_schema_field(ClipCredentialsSerializer(allow_null=True))
    def get_content_credentials(self, clip: Clip) -> dict[str, Any] | None:
        # The clip's C2PA manifest summary; null when it carries none.
        credentials = credentials_for(clip)
        return ClipCredentialsSerializer(credentials).data if credentials else None


class ClaimSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    claimed_by = serializers.SlugRelatedField(
        read_only=True, allow_null=True, slug_field="username"
    )

    class Meta:
        model = Clip
        fields = ["id", "status", "version", "claimed_by", "claim_expires_at"]
        read_only_fields = fields


class ClaimResultSerializer(ClaimSerializer):
    action = serializers.CharField(read_only=True, help_text="claimed, renewed or taken_over")

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "action"]
        read_only_fields = fields


# --- What callers send ------------------------------------------------------------------------


class DecisionRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=DecisionAction.choices)
    labels = serializers.ListField(
        child=serializers.SlugField(max_length=60), required=False, max_length=20
    )
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="The clip's version as the moderator saw it; a changed clip is refused (409).",
    )
    without_watching = serializers.BooleanField(
        default=False,
        help_text=(
            "Decide although nothing viewable exists yet (the review rendition or a photo's "
            "copy is pending or failed); without it such a decision is refused with 409 "
            "decide_without_watching. Recorded on the decision's evidence."
        ),
    )
    account_recommendation = serializers.ChoiceField(
        choices=AccountRecommendation.choices,
        default=AccountRecommendation.NONE,
        help_text="What the platform is advised to do with the uploader's account; sent in "
        "the webhook. The desk itself never acts on the platform.",
    )

    def to_request(self) -> DecisionRequest:
        data = self.validated_data
        return DecisionRequest(
            action=data["action"],
            labels=tuple(data.get("labels", [])),
            note=data.get("note", ""),
            reason=data.get("reason", ""),
            expected_version=data.get("version"),
            account_recommendation=data.get("account_recommendation", AccountRecommendation.NONE),
        )


# --- Accounts ---------------------------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer):
    """An account with what became of the items the caller may read (dashboard.accounts)."""

    items = serializers.IntegerField(read_only=True, source="item_total")
    removed = serializers.IntegerField(read_only=True, source="removed_total")
    labelled = serializers.IntegerField(read_only=True, source="labelled_total")

    class Meta:
        model = Account
        fields = [
            "id",
            "platform",
            "account_id",
            "handle",
            "profile_url",
            "first_seen",
            "last_seen",
            "items",
            "removed",
            "labelled",
        ]
        read_only_fields = fields


class NextClipRequestSerializer(serializers.Serializer):
    escalated = serializers.BooleanField(
        default=False, help_text="Take from the escalations queue (senior moderators)."
    )
    queue = serializers.SlugField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Take from this one of your queues (slug); empty: all the queues you work.",
    )


class QueueMoveRequestSerializer(serializers.Serializer):
    queue = serializers.SlugField(help_text="Slug of the queue to move the item to.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class QueueAssignmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    queue = QueueSlugField()
    queue_pinned = serializers.BooleanField(
        read_only=True, help_text="A senior moved it here: routing leaves it."
    )

    class Meta:
        model = Clip
        fields = ["id", "queue", "queue_pinned"]
        read_only_fields = fields


class QueueSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    open_items = serializers.IntegerField(
        read_only=True, help_text="Items awaiting review or in review."
    )
    worked_by_you = serializers.BooleanField(
        read_only=True, help_text="Whether Next clip serves you from this queue."
    )


# --- Reference data ---------------------------------------------------------------------------


class LabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["slug", "name", "category", "description", "manipulated", "active"]


class PersonSerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=50
    )

    class Meta:
        model = Person
        fields = ["id", "name", "aliases", "protected", "notes", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Compared normalised (dashboard.names): "김 다미" is the spelling of 김다미.
        spellings = [attrs["name"]] if "name" in attrs else []
        taken = spelling_taken([*spellings, *attrs.get("aliases", [])], self.instance)
        if taken is not None:
            spelling, holder = taken
            raise serializers.ValidationError(
                {
                    "name": [
                        _("%(spelling)s is already a spelling of %(name)s (person %(id)s).")
                        % {"spelling": spelling, "name": holder.name, "id": holder.pk}
                    ]
                },
                code="spelling_taken",
            )
        return attrs


class AuditEventSerializer(serializers.ModelSerializer):
    clip = serializers.UUIDField(source="clip.public_id", read_only=True, allow_null=True)
    actor = serializers.SlugRelatedField(read_only=True, allow_null=True, slug_field="username")
    data = serializers.DictField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "actor",
            "actor_label",
            "clip",
            "from_status",
            "to_status",
            "data",
        ]
        read_only_fields = fields


# --- Detector models --------------------------------------------------------------------------


class DetectorModelSerializer(serializers.ModelSerializer):
    input_spec = serializers.DictField(read_only=True)
    output_spec = serializers.DictField(read_only=True)
    calibration = serializers.DictField(read_only=True)
    metrics = serializers.DictField(read_only=True)

    class Meta:
        model = DetectorModel
        fields = [
            "id",
            "name",
            "version",
            "sha256",
            "input_spec",
            "output_spec",
            "threshold",
            "calibration",
            "metrics",
            "model_card",
            "is_active",
            "is_shadow",
            "created_at",
            "activated_at",
        ]
        read_only_fields = fields


class JsonObjectField(serializers.JSONField):
    """A JSON object, sent as a JSON string in a multipart form (or as an object in JSON)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(binary=True, **kwargs)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Expected a JSON object."))
        return value


class DetectorModelUploadSerializer(serializers.Serializer):
    """A new detector version: the ONNX file plus its manifest fields; the registry validates."""

    file = serializers.FileField(use_url=False, help_text="The ONNX model file.")
    name = serializers.CharField(max_length=100)
    version = serializers.CharField(max_length=50)
    input = JsonObjectField(help_text="name, size, color_order, layout, scale, mean, std")
    output = JsonObjectField(help_text="name, index, meaning")
    threshold = serializers.FloatField(min_value=0.0, max_value=1.0, default=0.5)
    calibration = JsonObjectField(required=False)
    metrics = JsonObjectField(required=False)
    model_card = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    activate = serializers.BooleanField(default=False)
    shadow = serializers.BooleanField(default=False)

    def to_manifest(self) -> Manifest:
        data = self.validated_data
        return Manifest.from_dict(
            {
                "name": data["name"],
                "version": data["version"],
                "input": data["input"],
                "output": data["output"],
                "threshold": data["threshold"],
                "calibration": data.get("calibration") or {},
                "metrics": data.get("metrics") or {},
            }
        )


class ShadowRequestSerializer(serializers.Serializer):
    shadow = serializers.BooleanField(help_text="Score live traffic beside the active model.")
