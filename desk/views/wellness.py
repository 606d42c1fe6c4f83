"""The moderator's wellness preferences: how strongly blurred media is blurred, or greyscale
only. The form sits on the profile page (`{% wellness_form %}`); the blur on or off is the top
bar's toggle (desk.views.review.blur_preference)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.access import moderator_required
from dashboard.errors import ServiceError, refusal_json, refuse
from dashboard.locale import locale_preference
from desk.forms import ProfileForm, WellnessForm
from desk.media import remember_wellness, set_wellness, wellness_for


def _profile_again(request: HttpRequest, form: WellnessForm, error: ServiceError) -> HttpResponse:
    """The profile page again, with this form's errors, answered with the refusal's status."""
    if "application/json" in request.headers.get("Accept", ""):
        return refusal_json(error)
    status = refuse(request, error)
    language, time_zone = locale_preference(request.user)
    context = {
        "form": ProfileForm(initial={"language": language, "time_zone": time_zone}),
        "wellness_form": form,
    }
    return render(request, "registration/profile.html", context, status=status)


@require_POST
@moderator_required
def wellness_preference(request: HttpRequest) -> HttpResponse:
    form = WellnessForm(request.POST)
    if not form.is_valid():
        return _profile_again(
            request, form, ServiceError("invalid_form", _("Choose a blur strength."))
        )
    try:
        set_wellness(
            request.user, form.cleaned_data["blur_strength"], form.cleaned_data["grayscale_only"]
        )
    except ServiceError as exc:
        return _profile_again(request, form, exc)
    remember_wellness(request, wellness_for(request.user))
    messages.success(request, _("Your wellness settings are saved."))
    return redirect("profile")
