"""Routing on cases: the "case reach at least N" condition, and re-routing every copy of a case
when its reach changes.

A case's reach is the sum of its copies' stated reach (provenance.cases.case_reach_for_clip),
so a copy joining, leaving or stating a larger reach changes what every other copy weighs:
`route_with_case` (routing's clip_facts_changed listener) routes the changed clip and then,
when an active rule tests the case's reach, each other undecided copy of its case.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.constants import UNDECIDED_STATES
from dashboard.hooks import RoutingCondition
from dashboard.models import Clip
from provenance.cases import case_reach_for_clip
from provenance.models import CaseMember
from routing.models import RoutingRule
from routing.services import route_clip

CASE_REACH = "case_reach_at_least"


def parse_case_reach(value: Any) -> int:
    """The admin's "case reach at least" parameter: a whole number of views, 0 or more."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(_("Give the case reach as a whole number of views.")) from None
    if number < 0:
        raise ValueError(_("The case reach cannot be negative."))
    return number


def case_reach_holds(clip: Clip, minimum: Any) -> bool:
    """Whether `clip` is a copy in a case whose copies reach at least `minimum` together."""
    reach = case_reach_for_clip(clip)
    return reach is not None and reach >= int(minimum)


def describe_case_reach(minimum: Any) -> str:
    return _("case reach at least %(reach)s") % {"reach": minimum}


CASE_REACH_CONDITION = RoutingCondition(
    key=CASE_REACH,
    label=gettext_lazy("Case reach at least"),
    holds=case_reach_holds,
    parse=parse_case_reach,
    describe=describe_case_reach,
)


def rules_use_case_reach() -> bool:
    return RoutingRule.objects.filter(active=True, extra_conditions__has_key=CASE_REACH).exists()


def other_open_copies(clip: Clip) -> list[int]:
    """Ids of the other undecided copies in `clip`'s case (none when it is in no case)."""
    case_ids = CaseMember.objects.filter(clip_id=clip.pk, removed_at__isnull=True).values("case_id")
    return list(
        CaseMember.objects.filter(
            case_id__in=case_ids,
            removed_at__isnull=True,
            clip__status__in=UNDECIDED_STATES,
        )
        .exclude(clip_id=clip.pk)
        .order_by("clip_id")
        .values_list("clip_id", flat=True)
    )


def route_with_case(clip: Clip) -> None:
    """Route `clip` again, and every other open copy of its case when a rule weighs the case's
    reach (the copies' sum just changed for all of them). Ordered by id so two transactions
    re-routing the same case lock its clips in the same order."""
    route_clip(clip.pk)
    if not rules_use_case_reach():
        return
    for clip_id in other_open_copies(clip):
        route_clip(clip_id)
