"""People depicted: how a stated name becomes a Person row (by name or alias, case-insensitive),
who may tag or untag the persons of a clip, and the record of every person a clip has depicted.

Attaching a person goes through `depict`, which also writes a `Depiction` that untagging never
removes: the two-person rule reads `has_depicted_protected_person`, so one moderator cannot lift
it by untagging a protected person before deciding alone. Tagging and untagging on the review
desk (`add_person`, `remove_person`) need the moderator's live claim on an open clip; a senior
may correct any clip, audited as an override. Every edit is an audit event.
"""

from collections.abc import Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.claims import held_by_other
from dashboard.constants import (
    FINAL_STATES,
    REVIEWABLE_STATES,
    ClipStatus,
    DepictionSource,
    MatchState,
)
from dashboard.errors import ServiceError
from dashboard.identity import close_persons, find_person, record_possible_matches, resolve_person
from dashboard.models import AuditEvent, Clip, Depiction, NameSuggestion, Person
from dashboard.names import normalise_name
from dashboard.priority import refresh_priority
from dashboard.roles import is_moderator, is_senior
from dashboard.workflow import record_event

# At most this many names are taken from one report or one request.
MAX_SUBJECTS = 20


class PersonEditError(ServiceError):
    """Tagging or untagging a person on a clip was refused."""

    default_status = 409


def resolve_persons(names: Iterable[str]) -> list[Person]:
    """The persons `names` are, by name or alias after normalisation
    (`dashboard.identity.resolve_person`); the ones not known yet are created."""
    persons: list[Person] = []
    for raw in list(names)[:MAX_SUBJECTS]:
        if not _clean(raw) or not normalise_name(raw):
            continue
        person = resolve_person(raw)
        if person not in persons:
            persons.append(person)
    return persons


def depict_names(
    clip: Clip,
    names: Iterable[str],
    *,
    source: str,
    actor: AbstractBaseUser | None = None,
) -> list[Person]:
    """Resolve `names` and attach them to `clip` (`depict`); a spelling close to a protected
    person it is not linked to records a possible match on the clip (fail closed). Returns the
    persons the names resolved to."""
    spelled: list[tuple[str, Person]] = []
    for raw in list(names)[:MAX_SUBJECTS]:
        if _clean(raw) and normalise_name(raw):
            spelled.append((_clean(raw), resolve_person(raw)))
    persons = list(dict.fromkeys(person for _spelling, person in spelled))
    depict(clip, persons, source=source, actor=actor)
    for spelling, person in spelled:
        if not person.protected:
            record_possible_matches(clip, spelling, person, actor)
    return persons


def _clean(raw: str) -> str:
    return " ".join(raw.split())[:200]


def depict(
    clip: Clip,
    persons: Sequence[Person],
    *,
    source: str,
    actor: AbstractBaseUser | None = None,
) -> list[Person]:
    """Attach `persons` to `clip` and record that it depicted each (kept after an untag).

    Returns the persons newly attached. The one way to attach persons: ingest (a report's
    subjects) and the desk's tagging both call it.
    """
    if not persons:
        return []
    already = set(clip.persons.filter(pk__in=[p.pk for p in persons]).values_list("pk", flat=True))
    clip.persons.add(*persons)
    Depiction.objects.bulk_create(
        [
            Depiction(clip=clip, person=p, source=DepictionSource(source), added_by=actor)
            for p in persons
        ],
        ignore_conflicts=True,
    )
    return [p for p in persons if p.pk not in already]


def has_depicted_protected_person(clip: Clip) -> bool:
    """Whether `clip` depicts, or at any time since it was reported depicted, a protected
    person (the two-person rule's protected-person trigger) — or a spelling close to a
    protected person's name that no senior has linked or rejected yet (fail closed;
    `dashboard.identity`)."""
    return (
        Person.objects.filter(protected=True)
        .filter(Q(clips=clip) | Q(depictions__clip=clip))
        .exists()
    ) or NameSuggestion.objects.filter(
        clip=clip, state=MatchState.PENDING, candidate__protected=True
    ).exists()


def check_can_edit_persons(clip: Clip, user: AbstractBaseUser) -> bool:
    """Raise PersonEditError unless `user` may tag or untag persons on `clip` now.

    A moderator needs a live claim on an open (reviewable) clip their role may review; a
    senior may edit any clip. Returns whether the edit is a senior's override (made without
    holding the claim of an open clip), which the audit event records.
    """
    if not is_moderator(user):
        raise PersonEditError("forbidden", "Only moderators tag persons on clips.", 403)
    holds = (
        clip.claimed_by_id == user.pk
        and clip.claim_expires_at is not None
        and clip.claim_expires_at >= timezone.now()
    )
    may_review = clip.status != ClipStatus.ESCALATED or is_senior(user)
    if holds and clip.status in REVIEWABLE_STATES and may_review:
        return False
    if is_senior(user):
        return True
    if clip.status in FINAL_STATES:
        raise PersonEditError(
            "already_decided",
            f"Clip {clip.short_id} was already decided; a senior moderator corrects who it "
            "depicts.",
        )
    if clip.status == ClipStatus.ESCALATED:
        raise PersonEditError(
            "senior_only", "Escalated clips are edited by senior moderators.", 403
        )
    if clip.status not in REVIEWABLE_STATES:
        raise PersonEditError(
            "not_reviewable",
            f"Clip {clip.short_id} is {clip.get_status_display()}: persons are edited while "
            "it is reviewed.",
        )
    if held_by_other(clip, user):
        raise PersonEditError(
            "held_by_other", "Another moderator is reviewing this clip; they edit its persons."
        )
    raise PersonEditError(
        "not_held", "Claim the clip before editing its persons (your claim may have expired)."
    )


def may_edit_persons(clip: Clip, user: AbstractBaseUser) -> bool:
    """Whether the review page offers tagging and untagging (the services check again)."""
    try:
        check_can_edit_persons(clip, user)
    except PersonEditError:
        return False
    return True


def _audit_edit(
    clip: Clip, user: AbstractBaseUser, action: str, person: Person, override: bool
) -> AuditEvent:
    return record_event(
        clip,
        action,
        actor=user,
        data={
            "person": person.pk,
            "name": person.name,
            "protected": person.protected,
            "status": clip.status,
            "override": override,
        },
    )


def add_person(
    clip_id: int,
    user: AbstractBaseUser,
    name: str = "",
    *,
    person_id: int | None = None,
    confirm_new: bool = False,
) -> Person:
    """Record that a person is depicted: one picked by id, or the one `name` is (by name or
    alias, dashboard.identity); audited. A name nobody has creates a person, refused with
    `close_match` while a close name or alias of another person exists unless the moderator
    confirms it is someone new (`confirm_new`)."""
    if not is_moderator(user):
        raise PersonEditError("forbidden", _("Only moderators tag persons on clips."), 403)
    if person_id is None and not normalise_name(_clean(name)):
        raise PersonEditError("name_required", _("Give the person's name."), 400)
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        override = check_can_edit_persons(clip, user)
        # Resolved only once the edit is allowed, so a refused one creates no Person row.
        if person_id is not None:
            person = Person.objects.filter(pk=person_id).first()
            while person is not None and person.merged_into_id is not None:
                person = person.merged_into
            if person is None:
                raise PersonEditError("unknown_person", _("No such person."), 400)
            spelling = person.name
        else:
            spelling = _clean(name)
            person = find_person(spelling)
            if person is None:
                close = close_persons(spelling, limit=3)
                if close and not confirm_new:
                    raise PersonEditError(
                        "close_match",
                        _(
                            "%(name)s is close to %(others)s: pick that person, or confirm "
                            "that this is someone new."
                        )
                        % {"name": spelling, "others": ", ".join(m.person.name for m in close)},
                    )
                person = resolve_person(spelling)
        added = depict(clip, [person], source=DepictionSource.MODERATOR, actor=user)
        if added:
            _audit_edit(clip, user, "clip.person_added", person, override)
        suggested = (
            [] if person.protected else record_possible_matches(clip, spelling, person, user)
        )
        if added or suggested:
            refresh_priority(clip)
    return person


def remove_person(clip_id: int, user: AbstractBaseUser, person_id: int) -> None:
    """Record that a person is not depicted after all; audited. The clip's Depiction of them
    stays, so a protected person untagged still brings the two-person rule."""
    if not is_moderator(user):
        raise PersonEditError("forbidden", "Only moderators tag persons on clips.", 403)
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip_id)
        override = check_can_edit_persons(clip, user)
        person = clip.persons.filter(pk=person_id).first()
        if person is None:
            raise PersonEditError("not_depicted", "That person is not listed on this clip.")
        # A person attached before depictions were recorded (or by a bulk import) gets one now.
        Depiction.objects.bulk_create(
            [Depiction(clip=clip, person=person, source=DepictionSource.RECORDED)],
            ignore_conflicts=True,
        )
        clip.persons.remove(person)
        _audit_edit(clip, user, "clip.person_removed", person, override)
        refresh_priority(clip)
