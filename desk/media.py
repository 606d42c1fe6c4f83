"""How the desk shows media: what the review page's player plays (the review rendition, or the
original when browsers play it as uploaded, or nothing yet: then the contact sheet and a
sentence), face-crop JPEGs and the moderator's wellness preference (media blurred and
desaturated until revealed). Clip bytes with HTTP Range support and other stored files are
served by `dashboard.http`, which every app's pages share."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard.constants import RenditionState
from dashboard.http import apply_headers
from dashboard.mediatypes import extension_of, media_headers
from dashboard.models import Clip, DeskPreference, ReviewRendition
from detection.models import FaceCrop

# Codecs browsers play in MP4 and WebM; used only for clips whose rendition row is not written
# yet (uploaded before renditions existed; the sweeper opens their row within a minute).
_PLAYABLE_CODECS = {"mp4": {"h264", "vp9", "av1"}, "webm": {"vp9", "av1"}}


@dataclass(frozen=True)
class ReviewMedia:
    """What the review page shows of a clip's media."""

    state: str  # a RenditionState, or "" when no rendition row exists yet
    video_url: str  # "" when nothing a browser plays exists yet
    poster_url: str
    sheet_url: str
    message: str  # said instead of a player when nothing plays

    @property
    def playable(self) -> bool:
        return bool(self.video_url)

    @property
    def decide_unwatched(self) -> bool:
        """Deciding needs the explicit "decide without watching" (nothing plays, yet media
        exists: erased media has its own notice and nothing will ever play)."""
        return not self.playable and self.state != "erased"


def review_media_for(clip: Clip) -> ReviewMedia:
    try:
        rendition: ReviewRendition | None = clip.rendition
    except ObjectDoesNotExist:
        rendition = None
    if clip.media_erased_at is not None:
        return ReviewMedia("erased", "", "", "", clip.erasure_notice)
    args = [clip.public_id]
    original = reverse("dashboard:media", args=args)
    poster = reverse("dashboard:poster", args=args) if rendition and rendition.poster else ""
    sheet = (
        reverse("dashboard:contact_sheet", args=args)
        if rendition and rendition.contact_sheet
        else ""
    )
    if rendition is None:
        codec = clip.codec.lower()
        plays = not codec or codec in _PLAYABLE_CODECS.get(extension_of(clip.file.name), ())
        message = "" if plays else _("A playable copy of this clip is being prepared.")
        return ReviewMedia("", original if plays else "", "", "", message)
    if rendition.state == RenditionState.READY and rendition.file:
        video = reverse("dashboard:review_media", args=args)
        return ReviewMedia(rendition.state, video, poster, sheet, "")
    if rendition.state == RenditionState.NOT_NEEDED:
        return ReviewMedia(rendition.state, original, poster, sheet, "")
    if rendition.state == RenditionState.FAILED:
        message = _(
            "Browsers cannot play this clip as uploaded, and making a playable copy failed: "
            "%(why)s The original is kept unchanged as evidence."
        ) % {"why": rendition.failure_reason or _("no reason was recorded.")}
    else:
        message = _(
            "Browsers cannot play this clip as uploaded (%(why)s); a playable copy is being "
            "prepared."
        ) % {"why": rendition.needed_because or _("its format")}
    return ReviewMedia(rendition.state, "", poster, sheet, message)


def unwatched_evidence(media: ReviewMedia) -> dict[str, object]:
    """What a decision records about the media the moderator could play."""
    if not media.decide_unwatched:
        return {}
    return {
        "decided_without_playable_media": True,
        "watched": False,
        "rendition_state": media.state or "unknown",
    }


def crop_response(crop: FaceCrop) -> HttpResponse:
    # Crops are JPEGs we encoded ourselves from decoded frames.
    response = apply_headers(
        HttpResponse(bytes(crop.jpeg)), media_headers("crop.jpg", f"crop-{crop.pk}", inline=True)
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


def blur_media_for(user: AbstractBaseUser) -> bool:
    """Whether `user` sees media blurred at first (the default until they choose otherwise)."""
    preference = DeskPreference.objects.filter(user=user).only("blur_media").first()
    return True if preference is None else preference.blur_media


def set_blur_media(user: AbstractBaseUser, blurred: bool) -> DeskPreference:
    preference, _ = DeskPreference.objects.update_or_create(
        user=user, defaults={"blur_media": blurred}
    )
    return preference
