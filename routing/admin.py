"""Operators' admin for routing: the rules are edited here, in order (the queues are the
core's, edited in dashboard's admin)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dashboard.admin_site import RoleAdmin
from dashboard.hooks import routing_conditions
from routing.conditions import has_condition
from routing.models import RoutingRule


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "order",
            "active",
            "queue",
            "protected_person",
            "min_reach",
            "known_fake_match",
            "reference_match",
            "min_suspicion",
            "platforms",
            "report_reason",
            "item_kind",
            "extra_conditions",
        ]

    def clean_extra_conditions(self) -> dict[str, Any]:
        value = self.cleaned_data.get("extra_conditions") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Give an object: {"key": parameter}.'))
        known = {condition.key: condition for condition in routing_conditions}
        parsed = {}
        for key, parameter in value.items():
            if key not in known:
                raise forms.ValidationError(
                    _("No app offers the condition “%(key)s”.") % {"key": key}
                )
            try:
                parsed[key] = known[key].parse(parameter)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return parsed

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        probe = RoutingRule(**{k: v for k, v in data.items() if k != "queue"})
        if not has_condition(probe):
            raise forms.ValidationError(
                _("Choose at least one condition; items no rule matches land in General.")
            )
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(RoleAdmin):
    form = RoutingRuleForm
    list_display = ["order", "name", "queue", "active"]
    list_display_links = ["name"]
    list_editable = ["order", "active"]
    list_select_related = ["queue"]
