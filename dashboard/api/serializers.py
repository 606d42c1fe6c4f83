"""API representations of clips and the fields an integration may send."""

from typing import Any

from rest_framework import serializers

from dashboard.constants import ReportReason
from dashboard.ingest import MAX_SUBJECTS, Submission
from dashboard.models import Clip


class ClipSubmissionSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    platform = serializers.CharField(max_length=100, required=False, allow_blank=True)
    source_url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
    caption = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    reason = serializers.ChoiceField(choices=ReportReason.choices, default=ReportReason.DEEPFAKE)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    subjects = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=MAX_SUBJECTS
    )

    def to_submission(self) -> Submission:
        data = self.validated_data
        return Submission(
            platform=data.get("platform", ""),
            source_url=data.get("source_url", ""),
            caption=data.get("caption", ""),
            reason=data.get("reason", ReportReason.DEEPFAKE),
            note=data.get("note", ""),
            subjects=tuple(data.get("subjects", [])),
        )


class DetectionSerializer(serializers.Serializer):
    model = serializers.CharField()
    version = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField()
    frames_scored = serializers.IntegerField()
    faces_found = serializers.IntegerField()
    frames_without_face = serializers.IntegerField()
    finished_at = serializers.DateTimeField(allow_null=True)
    timings_ms = serializers.DictField(child=serializers.FloatField())
    timeline = serializers.ListField(child=serializers.DictField())


def detection_payload(clip: Clip) -> dict[str, Any] | None:
    run = clip.active_run()
    if run is None:
        return None
    return {
        "model": run.model.name,
        "version": run.model.version,
        "score": run.clip_score,
        "threshold": run.threshold,
        "frames_scored": run.frames_scored,
        "faces_found": run.faces_found,
        "frames_without_face": run.frames_without_face,
        "finished_at": run.finished_at,
        "timings_ms": run.timings_ms,
        "timeline": run.timeline,
    }


class ClipSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    persons = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    reports = serializers.SerializerMethodField()
    detection = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        fields = [
            "id",
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

    def get_detection(self, clip: Clip) -> dict[str, Any] | None:
        return detection_payload(clip)

    def to_representation(self, clip: Clip) -> dict[str, Any]:
        data = super().to_representation(clip)
        detection = data.get("detection")
        data["score"] = detection["score"] if detection else None
        return data
