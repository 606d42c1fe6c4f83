"""Inter-moderator agreement: a share of first decisions silently gets a second, blind review.

`sample_recent_decisions` marks clips after their first decision (run periodically by the
`sample_for_agreement` task); which clips is a deterministic function of the clip's public id,
so a re-run marks the same ones and nothing twice. The second moderator works from
`second_review_queue`, never sees the first decision, and `record_second_opinion` only stores
what they would have done and audits it: the clip, its status and the first decision's outcome
are never touched. `agreement_stats` turns the pairs into agreement rate and Cohen's kappa.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.constants import DecisionAction
from dashboard.errors import ServiceError
from dashboard.models import Decision
from dashboard.roles import is_moderator
from dashboard.workflow import record_event
from insight.metrics import DateRange
from insight.models import AgreementSample

# Decisions older than this are not sampled any more: a second opinion on a clip decided long
# ago measures nothing about today's team.
SAMPLE_WINDOW = timedelta(days=2)
_BUCKETS = 10_000


class AgreementError(ServiceError):
    """A refused request about a second review; `code` is stable for the API."""


def is_sampled(public_id_hex: str, share: float) -> bool:
    """Whether a clip falls in the sampled share: its random public id, read as a number."""
    return int(public_id_hex[:8], 16) % _BUCKETS < round(share * _BUCKETS)


def sample_recent_decisions(share: float | None = None, now: Any = None) -> list[AgreementSample]:
    """Mark the sampled clips among recent first decisions; idempotent, returns the new marks."""
    share = settings.INSIGHT_AGREEMENT_SHARE if share is None else share
    now = now or timezone.now()
    first_of_clip = (
        Decision.objects.filter(clip=OuterRef("clip")).order_by("created_at", "id").values("id")
    )
    candidates = (
        Decision.objects.filter(created_at__gte=now - SAMPLE_WINDOW, created_at__lte=now)
        .filter(id=Subquery(first_of_clip[:1]))
        .filter(agreement_sample__isnull=True, clip__agreement_sample__isnull=True)
        .values_list("id", "clip_id", "clip__public_id")
    )
    created = []
    for decision_id, clip_id, public_id in candidates.iterator(chunk_size=1000):
        if not is_sampled(public_id.hex, share):
            continue
        try:
            with transaction.atomic():
                sample = AgreementSample.objects.create(
                    clip_id=clip_id, first_decision_id=decision_id, sampled_at=now
                )
        except IntegrityError:  # a concurrent run marked it first
            continue
        created.append(sample)
    return created


def second_review_queue(user: AbstractBaseUser) -> QuerySet[AgreementSample]:
    """Samples this moderator may review: not their own first decision, not taken by another."""
    return (
        AgreementSample.objects.filter(second_action="")
        .exclude(first_decision__moderator=user)
        .filter(second_moderator__isnull=True)
        .select_related("clip")
        .order_by("sampled_at", "id")
    )


def check_can_second_review(sample: AgreementSample, user: AbstractBaseUser) -> None:
    if not is_moderator(user):
        raise AgreementError("forbidden", _("Only moderators give second opinions."), 403)
    if sample.first_decision.moderator_id == user.pk:
        raise AgreementError("own_decision", _("You made the first decision on this clip."), 403)
    if sample.second_action:
        raise AgreementError("already_reviewed", _("This clip already has a second opinion."), 409)
    if sample.second_moderator_id not in (None, user.pk):
        raise AgreementError("taken", _("Another moderator is giving this second opinion."), 409)


def record_second_opinion(
    sample_id: int, user: AbstractBaseUser, action: str, note: str = ""
) -> AgreementSample:
    """Store what the second moderator would have decided; audited; the clip is unchanged."""
    if action not in DecisionAction.values:
        raise AgreementError(
            "invalid_action", _("Unknown action %(action)s.") % {"action": f"{action!r}"}
        )
    with transaction.atomic():
        sample = (
            AgreementSample.objects.select_for_update()
            .select_related("first_decision", "clip")
            .get(pk=sample_id)
        )
        check_can_second_review(sample, user)
        sample.second_moderator = user
        sample.second_action = action
        sample.second_note = note.strip()[:5000]
        sample.reviewed_at = timezone.now()
        sample.save(
            update_fields=["second_moderator", "second_action", "second_note", "reviewed_at"]
        )
        record_event(
            sample.clip,
            "insight.second_opinion",
            actor=user,
            data={"sample": sample.pk, "action": action},
        )
    return sample


@dataclass(frozen=True)
class Agreement:
    pairs: int
    agreed: int
    rate: float | None
    kappa: float | None
    # matrix[first][second] = count, over DecisionAction values.
    matrix: dict[str, dict[str, int]]


def cohen_kappa(pair_counts: Iterable[tuple[str, str, int]]) -> Agreement:
    """Agreement rate and Cohen's kappa from (first, second, count) cells.

    kappa = (p_o - p_e) / (1 - p_e), p_e = sum over categories of the product of the two
    raters' marginal shares. When p_e is 1 (both always chose the same single category) kappa
    is undefined: None.
    """
    categories = list(DecisionAction.values)
    matrix = {a: dict.fromkeys(categories, 0) for a in categories}
    for first, second, count in pair_counts:
        matrix[first][second] += count
    n = sum(sum(row.values()) for row in matrix.values())
    agreed = sum(matrix[c][c] for c in categories)
    if n == 0:
        return Agreement(0, 0, None, None, matrix)
    p_o = agreed / n
    p_e = sum(
        (sum(matrix[c].values()) / n) * (sum(matrix[r][c] for r in categories) / n)
        for c in categories
    )
    kappa = None if p_e == 1 else (p_o - p_e) / (1 - p_e)
    return Agreement(n, agreed, p_o, kappa, matrix)


def reviewed_in(span: DateRange) -> QuerySet[AgreementSample]:
    return AgreementSample.objects.exclude(second_action="").filter(
        reviewed_at__gte=span.start, reviewed_at__lt=span.end
    )


def agreement_stats(span: DateRange) -> Agreement:
    """Agreement over second opinions given in the range; the cells come from one GROUP BY."""
    cells = (
        reviewed_in(span)
        .values("first_decision__action", "second_action")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("first_decision__action", "second_action", "n")
    )
    return cohen_kappa(cells)


def disagreements(span: DateRange, limit: int = 50) -> QuerySet[AgreementSample]:
    """The clips where the two opinions differed, newest first."""
    return (
        reviewed_in(span)
        .select_related("clip", "first_decision__moderator", "second_moderator")
        .exclude(second_action=F("first_decision__action"))
        .order_by("-reviewed_at")[:limit]
    )
