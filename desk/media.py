"""How the desk shows media: face-crop JPEGs and the moderator's wellness preference (media
blurred and desaturated until revealed). Clip bytes with HTTP Range support and other stored
files are served by `dashboard.http`, which every app's pages share."""

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpResponse

from dashboard.http import apply_headers
from dashboard.mediatypes import media_headers
from dashboard.models import DeskPreference
from detection.models import FaceCrop


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
