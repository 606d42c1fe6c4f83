"""Login with a second step (password, then the authenticator's code), enrolling an
authenticator, and the profile page (language and time zone)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dashboard import twofactor
from dashboard.errors import ServiceError, refuse
from dashboard.locale import locale_preference, set_locale_preference
from desk.forms import OneTimeCodeForm, ProfileForm


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard:queue")


class UnmaskLoginView(auth_views.LoginView):
    """Django's login; an account that has (or must have) an authenticator goes on to its code."""

    def form_valid(self, form: auth_views.AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if not twofactor.needs_code_at_login(user):
            return response
        if twofactor.confirmed_device(user) is not None:
            self.request.session[twofactor.ENROLLED_SESSION_KEY] = True
        return HttpResponseRedirect(
            f"{reverse('otp_verify')}?{urlencode({'next': self.get_success_url()})}"
        )


@require_http_methods(["GET", "POST"])
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The login's second step: the code of the account's authenticator."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if twofactor.confirmed_device(request.user) is None:
        return redirect(f"{reverse('otp_setup')}?{urlencode({'next': _next_url(request)})}")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.verify_login(request, form.cleaned_data["code"])
        except twofactor.SecondFactorError as exc:
            form.add_error("code", exc.message)
        else:
            return redirect(_next_url(request))
    status = 400 if form.errors else 200
    context = {"form": form, "next": _next_url(request)}
    return render(request, "registration/otp_verify.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: its key as text and as an otpauth:// link, then a first code."""
    device = twofactor.confirmed_device(request.user)
    if device is not None:
        return render(request, "registration/otp_setup.html", {"enrolled": device})
    pending = twofactor.pending_device(request.user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.confirm_enrolment(request, form.cleaned_data["code"])
        except twofactor.SecondFactorError as exc:
            form.add_error("code", exc.message)
        else:
            return redirect(_next_url(request))
    context = {
        "form": form,
        "secret": twofactor.secret_as_text(pending),
        "config_url": pending.config_url,
        "next": _next_url(request),
        "required": twofactor.required_by_policy(request.user),
    }
    return render(
        request, "registration/otp_setup.html", context, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's language and time zone."""
    language, time_zone = locale_preference(request.user)
    form = ProfileForm(request.POST or None, initial={"language": language, "time_zone": time_zone})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                set_locale_preference(
                    request,
                    request.user,
                    form.cleaned_data["language"],
                    form.cleaned_data["time_zone"],
                )
            except ServiceError as exc:
                status = refuse(request, exc)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profile")
        else:
            status = 400
    return render(request, "registration/profile.html", {"form": form}, status=status)
