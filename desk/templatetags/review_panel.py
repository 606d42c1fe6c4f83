"""`{% review_panel clip %}`: the one review panel (desk/panel.py) on any page where a person
decides. A template tag, so pages of lower layers (teamwork's confirmation and appeal pages)
show it without importing the desk. Also the suspicion levels in words and `{% wellness_form %}`
(the profile page's wellness preferences)."""

from typing import Any

from django import template
from django.utils.translation import gettext_lazy

from dashboard import roles
from dashboard.models import Clip
from desk.forms import WellnessForm
from desk.media import wellness_for
from desk.panel import review_panel_context

register = template.Library()


@register.inclusion_tag("dashboard/_review_panel.html", takes_context=True)
def review_panel(context: template.Context, clip: Clip, blind: bool = False) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    panel = review_panel_context(clip, user, blind=blind)
    panel["csrf_token"] = context.get("csrf_token")
    panel["request"] = request
    # The page's presets (desk.context_processors.presets): an inclusion tag's template sees
    # only what it is given, and policy reasons and platforms are shown in the reader's words.
    for name in ("policy_names", "platforms"):
        panel.setdefault(name, context.get(name))
    return panel


# The suspicion levels (dashboard.signals) in the reader's language.
_LEVEL_WORDS = {
    "none": gettext_lazy("none"),
    "weak": gettext_lazy("weak"),
    "strong": gettext_lazy("strong"),
    "conclusive": gettext_lazy("conclusive"),
}
_LEVEL_SENTENCES = {
    "none": gettext_lazy("No signal fired."),
    "weak": gettext_lazy("Only a weak hint fired: look for yourself before acting on it."),
    "strong": gettext_lazy("Strong evidence fired."),
    "conclusive": gettext_lazy("Conclusive evidence fired."),
}


@register.filter
def level_word(label: str) -> str:
    """A suspicion level's label ("strong") as the reader's language names it."""
    return str(_LEVEL_WORDS.get(label, label))


@register.filter
def level_sentence(label: str) -> str:
    return str(_LEVEL_SENTENCES.get(label, ""))


@register.inclusion_tag("registration/_wellness_form.html", takes_context=True)
def wellness_form(context: template.Context) -> dict[str, Any]:
    """The wellness preferences form for the signed-in moderator (the profile page)."""
    request = context.get("request")
    form = context.get("wellness_form")
    user = getattr(request, "user", None)
    if form is None and user is not None and roles.is_moderator(user):
        chosen = wellness_for(user)
        form = WellnessForm(
            initial={
                "blur_strength": chosen.blur_strength,
                "grayscale_only": chosen.grayscale_only,
            }
        )
    return {"wellness_form": form, "csrf_token": context.get("csrf_token")}
