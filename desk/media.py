"""How the desk shows media: what the review page's player plays (the review rendition, or the
original when browsers play it as uploaded, or nothing yet: then the contact sheet and a
sentence), face-crop JPEGs and the moderator's wellness preference (media blurred and
desaturated until revealed). A photo is shown only as its copy without metadata (its
rendition); deciding on media nobody could see needs the explicit "decide without watching",
on the page and through the API alike (`unwatched_evidence_or_refuse`). Clip bytes with HTTP
Range support and other stored files are served by `dashboard.http`, which every app's pages
share."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from dashboard.constants import BlurStrength, ClipKind, RenditionState
from dashboard.errors import ServiceError
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
    # A photo's served copy (upright, no metadata): the review page shows it, zoomable.
    image_url: str = ""

    @property
    def playable(self) -> bool:
        """Whether the moderator can see the media: a player, or a photo's copy."""
        return bool(self.video_url or self.image_url)

    @property
    def decide_unwatched(self) -> bool:
        """Deciding needs the explicit "decide without watching" (nothing plays, yet media
        exists: erased media has its own notice and nothing will ever play)."""
        return not self.playable and self.state != "erased"


def _photo_media(clip: Clip, rendition: ReviewRendition | None) -> ReviewMedia:
    """A photo is shown only through its copy without metadata, never as the original."""
    args = [clip.public_id]
    if rendition is None:
        return ReviewMedia("", "", "", "", _("A viewable copy of this photo is being prepared."))
    poster = reverse("dashboard:poster", args=args) if rendition.poster else ""
    sheet = reverse("dashboard:contact_sheet", args=args) if rendition.contact_sheet else ""
    if rendition.state == RenditionState.READY and rendition.file:
        image = reverse("dashboard:review_media", args=args)
        return ReviewMedia(rendition.state, "", poster, sheet, "", image_url=image)
    if rendition.state == RenditionState.FAILED:
        message = _(
            "Making the viewable copy of this photo failed: %(reason)s "
            "The original is kept unchanged as evidence."
        ) % {"reason": rendition.failure_reason or _("no reason was recorded.")}
    else:
        message = _(
            "A viewable copy of this photo (upright, without its location metadata) is being "
            "prepared."
        )
    return ReviewMedia(rendition.state, "", poster, sheet, message)


def review_media_for(clip: Clip) -> ReviewMedia:
    try:
        rendition: ReviewRendition | None = clip.rendition
    except ObjectDoesNotExist:
        rendition = None
    if clip.media_erased_at is not None:
        return ReviewMedia("erased", "", "", "", clip.erasure_notice)
    if clip.kind == ClipKind.PHOTO:
        return _photo_media(clip, rendition)
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


class UnwatchedDecision(ServiceError):
    """A decision on media nobody could see, without the explicit "decide without watching"."""


def unwatched_evidence_or_refuse(clip: Clip, confirmed: bool) -> dict[str, object]:
    """What a decision on `clip` records about the media the moderator could see, for the
    review page and the API alike; refuses (409 decide_without_watching) when nothing viewable
    exists and the decider did not confirm deciding without watching."""
    media = review_media_for(clip)
    if media.decide_unwatched and not confirmed:
        raise UnwatchedDecision(
            "decide_without_watching",
            "Nothing playable exists for this clip yet. Confirm that you decide without watching.",
            409,
        )
    return unwatched_evidence(media)


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
    return wellness_for(user).blur_media


def set_blur_media(user: AbstractBaseUser, blurred: bool) -> DeskPreference:
    preference, _created = DeskPreference.objects.update_or_create(
        user=user, defaults={"blur_media": blurred}
    )
    return preference


@dataclass(frozen=True)
class Wellness:
    """How media is shown to one moderator: blurred at first or not, how strongly, or in
    greyscale only (then nothing is blurred)."""

    blur_media: bool = True
    blur_strength: str = BlurStrength.MEDIUM
    grayscale_only: bool = False

    @property
    def body_classes(self) -> str:
        """The classes on <body> that static/css/desk.css reads."""
        classes = ["blur-media"] if self.blur_media else []
        if self.blur_strength != BlurStrength.MEDIUM:
            classes.append(f"blur-{self.blur_strength}")
        if self.grayscale_only:
            classes.append("grayscale-only")
        return " ".join(classes)


def wellness_for(user: AbstractBaseUser) -> Wellness:
    """`user`'s wellness preferences (the defaults until they choose)."""
    row = (
        DeskPreference.objects.filter(user=user)
        .values_list("blur_media", "blur_strength", "grayscale_only")
        .first()
    )
    return Wellness() if row is None else Wellness(*row)


def set_wellness(
    user: AbstractBaseUser, blur_strength: str, grayscale_only: bool
) -> DeskPreference:
    if blur_strength not in BlurStrength.values:
        raise ServiceError("unknown_blur_strength", _("Choose light, medium or strong."))
    preference, _created = DeskPreference.objects.update_or_create(
        user=user, defaults={"blur_strength": blur_strength, "grayscale_only": grayscale_only}
    )
    return preference


WELLNESS_SESSION_KEY = "unmask_wellness"


def wellness_for_request(request: HttpRequest) -> Wellness:
    """The signed-in user's wellness preferences, kept in the session after the first read so
    a page costs no query for them (as dashboard.locale does with language and time zone);
    `remember_wellness` refreshes the copy whenever the user changes them."""
    session = getattr(request, "session", None)
    stored = session.get(WELLNESS_SESSION_KEY) if session is not None else None
    if isinstance(stored, list) and len(stored) == 3:
        blur, strength, grayscale = stored
        if strength in BlurStrength.values:
            return Wellness(bool(blur), strength, bool(grayscale))
    chosen = wellness_for(request.user)
    remember_wellness(request, chosen)
    return chosen


def remember_wellness(request: HttpRequest, chosen: Wellness) -> None:
    if getattr(request, "session", None) is not None:
        request.session[WELLNESS_SESSION_KEY] = [
            chosen.blur_media,
            chosen.blur_strength,
            chosen.grayscale_only,
        ]


def remember_wellness_at_login(
    sender: type, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: object
) -> None:
    """`user_logged_in` receiver: the preferences go into the new session with the login."""
    if request is not None:
        remember_wellness(request, wellness_for(user))
