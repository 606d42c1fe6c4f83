"""One identity per person: which Person a spelling is, which persons it is close to, the
possible matches to protected persons that keep the two-person rule on (fail closed), and
merging two persons (audited, undone by an admin).

- `resolve_person(name)` is the one resolver: a spelling whose normalised key
  (`dashboard.names.normalise_name`) is a person's name or alias is that person; a person
  merged into another resolves to the one they were merged into. Ingest's report subjects,
  tagging on the review page, the queue search and the API's person filter all use it.
- `close_persons(name)` lists persons whose name or alias is close but not equal: a
  romanisation or everyday spelling (PersonName.loose) or a few edits. Never merged by it: the
  picker warns, and for a *protected* person `record_possible_matches` writes a pending
  NameSuggestion on the clip, which `dashboard.persons.has_depicted_protected_person` reads
  until a senior links it (the spelling's person is merged into the protected one) or rejects
  it (remembered: the same spelling is not suggested for that person again).
- `merge_persons(source, target)` moves clips, depictions (as new rows: they are
  append-only), aliases (and the source's name, as an alias), the protected flag (OR) and every
  other row pointing at the source (references, legal holds, ...: found through the model's
  relations, so the core imports no app) to the target, and keeps a PersonMerge of what moved;
  `undo_merge` moves it back.
"""

import unicodedata
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard import names
from dashboard.constants import DepictionSource, MatchState
from dashboard.errors import ServiceError
from dashboard.models import (
    AppendOnlyModel,
    Clip,
    Depiction,
    NameSuggestion,
    Person,
    PersonMerge,
    PersonName,
)
from dashboard.priority import refresh_priority
from dashboard.roles import is_admin, is_senior
from dashboard.workflow import record_event

NAME_MAX = 200
# Rows read when looking for names a few edits away (those sharing the key's first letter).
FUZZY_SCAN_LIMIT = 2000
# Relations the merge handles itself, or that must not move (the merge's own records).
_HANDLED_RELATIONS = {"names", "depictions", "merged_persons", "merges_in", "merges_out", "+"}


class IdentityError(ServiceError):
    """A refused merge, undo, link or rejection."""

    default_status = 409


@dataclass(frozen=True)
class CloseMatch:
    """A person whose name or alias `spelling` is close to, and why (names.closeness)."""

    person: Person
    spelling: str
    reason: str


def clean_name(raw: str) -> str:
    return " ".join(str(raw).split())[:NAME_MAX]


def find_person(name: str) -> Person | None:
    """The person whose name or alias has `name`'s normalised key, or None."""
    key = names.normalise_name(clean_name(name))
    if not key:
        return None
    row = (
        PersonName.objects.filter(key=key, person__merged_into__isnull=True)
        .select_related("person")
        .order_by("-primary", "person_id")
        .first()
    )
    if row is not None:
        return row.person
    # A row written without save() (a bulk insert: the benchmarks' seeding) has no PersonName
    # rows: found by its exact name, as before names were indexed.
    unindexed = Person.objects.filter(name__iexact=clean_name(name), merged_into__isnull=True)
    if (person := unindexed.order_by("pk").first()) is not None:
        return person
    # A merged person's own row has no PersonName rows left; follow it to where it went.
    merged = Person.objects.filter(name_key=key, merged_into__isnull=False).first()
    while merged is not None and merged.merged_into_id is not None:
        merged = merged.merged_into
    return merged


def spelling_taken(spellings: list[str], person: Person | None = None) -> tuple[str, Person] | None:
    """The first of `spellings` another live person already has (name or alias), with them:
    two persons may not share a spelling, or it would no longer say who is meant."""
    for spelling in spellings:
        holder = find_person(spelling)
        if holder is not None and (person is None or holder.pk != person.pk):
            return spelling, holder
    return None


def resolve_person(name: str) -> Person:
    """The person `name` is (find_person), created when nobody has that spelling yet."""
    cleaned = clean_name(name)
    person = find_person(cleaned)
    if person is not None:
        return person
    if not names.normalise_name(cleaned):
        raise IdentityError("name_required", _("Give the person's name."), 400)
    person, _created = Person.objects.get_or_create(name=cleaned)
    return person


def close_persons(
    name: str, *, protected_only: bool = False, exclude: Person | None = None, limit: int = 10
) -> list[CloseMatch]:
    """Persons whose name or alias is close to `name` without being the same key."""
    spelling = clean_name(name)
    key = names.normalise_name(spelling)
    if not key:
        return []
    live = PersonName.objects.filter(person__merged_into__isnull=True).exclude(key=key)
    if protected_only:
        live = live.filter(person__protected=True)
    if exclude is not None:
        live = live.exclude(person=exclude)
    candidates = list(live.filter(loose__in=names.search_forms(spelling)).select_related("person"))
    if protected_only:
        candidates += list(live.select_related("person")[:FUZZY_SCAN_LIMIT])
    else:
        first = unicodedata.normalize("NFD", key)[0]
        candidates += list(
            live.filter(key__startswith=unicodedata.normalize("NFC", first)).select_related(
                "person"
            )[:FUZZY_SCAN_LIMIT]
        )
    found: dict[int, CloseMatch] = {}
    matcher = names.NameMatcher(spelling)
    for row in candidates:
        if row.person_id in found or (exclude is not None and row.person_id == exclude.pk):
            continue
        reason = matcher.reason(row.key, row.loose)
        if reason:
            found[row.person_id] = CloseMatch(row.person, row.name, reason)
    return sorted(found.values(), key=lambda m: (not m.person.protected, m.person.name))[:limit]


@dataclass(frozen=True)
class PersonLookup:
    """What the tagging picker offers for typed text: persons with a spelling containing it
    (or meeting it by romanisation), whether one has exactly that spelling, and — when nobody
    has — the persons close enough that creating a new one deserves a warning."""

    text: str
    matches: list[CloseMatch]
    exact: Person | None
    close: list[CloseMatch]

    @property
    def close_names(self) -> list[str]:
        return [match.person.name for match in self.close]


def lookup_persons(text: str, limit: int = 8) -> PersonLookup:
    """The picker's type-ahead over names and aliases (live persons only)."""
    spelling = clean_name(text)
    key = names.normalise_name(spelling)
    if not key:
        return PersonLookup(spelling, [], None, [])
    live = PersonName.objects.filter(person__merged_into__isnull=True).select_related("person")
    rows = list(live.filter(key__contains=key).order_by("-primary", "name")[: limit * 4])
    forms = names.search_forms(spelling)
    if forms:
        rows += list(live.filter(loose__in=forms)[:limit])
    found: dict[int, CloseMatch] = {}
    for row in rows:
        if row.person_id in found:
            continue
        if row.key == key or key in row.key:
            reason = "name" if row.primary else "alias"
        else:
            reason = "romanization"
        found[row.person_id] = CloseMatch(row.person, row.name, reason)
    exact = find_person(spelling)
    matches = sorted(
        found.values(),
        key=lambda m: (m.person != exact, m.reason == "romanization", m.person.name),
    )[:limit]
    close = [] if exact is not None else close_persons(spelling, limit=3)
    return PersonLookup(spelling, matches, exact, close)


def record_possible_matches(
    clip: Clip, spelling: str, person: Person, actor: AbstractBaseUser | None
) -> list[NameSuggestion]:
    """Pending NameSuggestions for the protected persons `spelling` (resolved to `person`) is
    close to, unless a senior already rejected that spelling for them; audited."""
    key = names.normalise_name(spelling)
    rejected = set(
        NameSuggestion.objects.filter(spelling_key=key, state=MatchState.REJECTED).values_list(
            "candidate_id", flat=True
        )
    )
    made = []
    for match in close_persons(spelling, protected_only=True, exclude=person, limit=50):
        if match.person.pk in rejected or match.person.pk == person.pk:
            continue
        suggestion, created = NameSuggestion.objects.get_or_create(
            clip=clip,
            spelling_key=key,
            candidate=match.person,
            defaults={"spelling": spelling, "person": person, "reason": match.reason},
        )
        if created:
            made.append(suggestion)
            record_event(
                clip,
                "person.match_suggested",
                actor=actor,
                data={
                    "suggestion": suggestion.pk,
                    "spelling": spelling,
                    "person": person.pk,
                    "candidate": match.person.pk,
                    "candidate_name": match.person.name,
                    "reason": match.reason,
                },
            )
    return made


def pending_suggestions(clip: Clip) -> list[NameSuggestion]:
    return list(
        clip.name_suggestions.filter(state=MatchState.PENDING).select_related("candidate", "person")
    )


def _check_senior(user: AbstractBaseUser) -> None:
    if not is_senior(user):
        raise IdentityError(
            "senior_only", _("Only senior moderators link, reject or merge persons."), 403
        )


def _locked_pending(suggestion_id: int) -> NameSuggestion:
    suggestion = (
        NameSuggestion.objects.select_for_update()
        .select_related("clip", "person", "candidate")
        .filter(pk=suggestion_id)
        .first()
    )
    if suggestion is None:
        raise IdentityError("not_found", _("No such suggestion."), 404)
    if suggestion.state != MatchState.PENDING:
        raise IdentityError("already_resolved", _("This suggestion was already resolved."))
    return suggestion


def _resolve(suggestion: NameSuggestion, state: str, user: AbstractBaseUser) -> None:
    """Mark `suggestion` and every pending one of the same spelling and candidate; audited."""
    same = NameSuggestion.objects.filter(
        spelling_key=suggestion.spelling_key,
        candidate=suggestion.candidate,
        state=MatchState.PENDING,
    ).select_related("clip")
    now = timezone.now()
    for row in same:
        record_event(
            row.clip,
            f"person.match_{state}",
            actor=user,
            data={
                "suggestion": row.pk,
                "spelling": row.spelling,
                "candidate": row.candidate_id,
                "candidate_name": suggestion.candidate.name,
            },
        )
    clips = [row.clip for row in same]
    same.update(state=state, resolved_by=user, resolved_at=now)
    for clip in clips:
        refresh_priority(clip)  # the protected-person points may go with the suggestion


def link_suggestion(suggestion_id: int, user: AbstractBaseUser) -> Person:
    """A senior says the spelling is the protected person: the person it was resolved to is
    merged into them (or, when it is that person already, the spelling becomes an alias)."""
    _check_senior(user)
    with transaction.atomic():
        suggestion = _locked_pending(suggestion_id)
        target = suggestion.candidate
        _resolve(suggestion, MatchState.LINKED, user)
        source = Person.objects.get(pk=suggestion.person_id)
        if source.merged_into_id is None and source.pk != target.pk:
            merge_persons(source.pk, target.pk, user)
        else:
            add_alias(target.pk, user, suggestion.spelling)
        target.refresh_from_db()
    return target


def reject_suggestion(suggestion_id: int, user: AbstractBaseUser) -> NameSuggestion:
    """A senior says the spelling is someone else: the clip no longer counts as depicting the
    protected person through it, and the spelling is not suggested for them again."""
    _check_senior(user)
    with transaction.atomic():
        suggestion = _locked_pending(suggestion_id)
        _resolve(suggestion, MatchState.REJECTED, user)
        suggestion.refresh_from_db()
    return suggestion


def add_alias(person_id: int, user: AbstractBaseUser, alias: str) -> Person:
    """Add `alias` to a person (a suggested romanisation, a linked spelling); audited.

    Refused when another person already has that spelling: merge them instead."""
    _check_senior(user)
    alias = clean_name(alias)
    key = names.normalise_name(alias)
    if not key:
        raise IdentityError("name_required", _("Give the alias."), 400)
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        holder = find_person(alias)
        if holder is not None and holder.pk != person.pk:
            raise IdentityError(
                "alias_taken",
                _("%(name)s already has this spelling: merge the two persons instead.")
                % {"name": holder.name},
            )
        if holder is None:
            person.aliases = [*person.aliases, alias]
            person.save()
            record_event(
                None,
                "person.alias_added",
                actor=user,
                data={"person": person.pk, "name": person.name, "alias": alias},
            )
    return person


def suggested_aliases(person: Person) -> list[str]:
    """Romanisations of a Hangul name that no person has as a spelling yet (offered, never
    added by themselves)."""
    return [
        spelling
        for spelling in names.suggested_romanizations(person.name)
        if find_person(spelling) is None
    ]


def _foreign_relations() -> list[models.ManyToOneRel]:
    """Rows of other models pointing at a person by a foreign key (references, holds, ...)."""
    return [
        rel
        for rel in Person._meta.related_objects
        if isinstance(rel, models.ManyToOneRel)
        and not isinstance(rel, models.OneToOneRel)
        and rel.related_model is not Person
        and rel.get_accessor_name() not in _HANDLED_RELATIONS
        and rel.related_model not in (PersonName, PersonMerge, NameSuggestion)
        and not issubclass(rel.related_model, AppendOnlyModel)
    ]


def _relation_label(rel: models.ManyToOneRel) -> str:
    return f"{rel.related_model._meta.label}.{rel.field.name}"


def merge_persons(source_id: int, target_id: int, user: AbstractBaseUser) -> PersonMerge:
    """Merge person `source` into `target` (module doc); audited, undone by `undo_merge`."""
    _check_senior(user)
    if source_id == target_id:
        raise IdentityError("same_person", _("Choose two different persons to merge."), 400)
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update().filter(pk__in=[source_id, target_id])
        }
        if len(locked) != 2:
            raise IdentityError("not_found", _("No such person."), 404)
        source, target = locked[source_id], locked[target_id]
        if source.merged_into_id is not None or target.merged_into_id is not None:
            raise IdentityError(
                "already_merged", _("One of these persons was already merged into another.")
            )
        links = Clip.persons.through.objects
        clip_ids = sorted(links.filter(person=source).values_list("clip_id", flat=True))
        had_target = set(
            links.filter(person=target, clip_id__in=clip_ids).values_list("clip_id", flat=True)
        )
        depicted = sorted(
            set(Depiction.objects.filter(person=source).values_list("clip_id", flat=True))
        )
        new_depictions = sorted(
            set(depicted)
            - set(Depiction.objects.filter(person=target).values_list("clip_id", flat=True))
        )
        links.bulk_create(
            [
                links.model(clip_id=clip_id, person_id=target.pk)
                for clip_id in clip_ids
                if clip_id not in had_target
            ]
        )
        links.filter(person=source).delete()
        Depiction.objects.bulk_create(
            [
                Depiction(
                    clip_id=clip_id, person=target, source=DepictionSource.MERGED, added_by=user
                )
                for clip_id in new_depictions
            ],
            ignore_conflicts=True,
        )
        relations: dict[str, list[int]] = {}
        for rel in _foreign_relations():
            rows = rel.related_model._default_manager.filter(**{rel.field.name: source})
            ids = sorted(rows.values_list("pk", flat=True))
            if ids:
                rows.update(**{rel.field.name: target})
                relations[_relation_label(rel)] = ids
        aliases_before = list(target.aliases)
        target_protected = target.protected
        target.aliases = [*target.aliases, source.name, *source.aliases]
        target.protected = target.protected or source.protected
        target.save()
        aliases_added = [a for a in target.aliases if a not in aliases_before]
        NameSuggestion.objects.filter(person=source, candidate=target).exclude(
            state=MatchState.REJECTED
        ).update(state=MatchState.LINKED, resolved_by=user, resolved_at=timezone.now())
        source.merged_into = target
        source.save()
        _refresh_priorities(target)
        merge = PersonMerge.objects.create(
            target=target,
            source=source,
            merged_by=user,
            moved={
                "clips": [c for c in clip_ids if c not in had_target],
                "clips_shared": sorted(had_target),
                "depictions_added": new_depictions,
                "aliases_added": aliases_added,
                "target_protected": target_protected,
                "source_protected": source.protected,
                "relations": relations,
            },
        )
        record_event(
            None,
            "person.merged",
            actor=user,
            data={
                "merge": merge.pk,
                "source": source.pk,
                "source_name": source.name,
                "target": target.pk,
                "target_name": target.name,
                "clips": len(clip_ids),
                "aliases_added": aliases_added,
                "protected": target.protected,
                "relations": {label: len(ids) for label, ids in relations.items()},
            },
        )
    return merge


def _refresh_priorities(*persons: Person) -> None:
    """The protected-person points may have changed for every clip of these persons."""
    for clip in Clip.objects.filter(persons__in=persons).distinct():
        refresh_priority(clip)


def undo_merge(merge_id: int, user: AbstractBaseUser) -> PersonMerge:
    """An admin undoes a merge: clips, aliases, the protected flag and the other rows move back.

    The depictions the merge added stay (they are append-only): the target keeps counting as
    once depicted on those clips, which can only keep the two-person rule on (fail closed).
    """
    if not is_admin(user):
        raise IdentityError("admin_only", _("Only admins undo a merge."), 403)
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().filter(pk=merge_id).first()
        if merge is None:
            raise IdentityError("not_found", _("No such merge."), 404)
        if merge.undone_at is not None:
            raise IdentityError("already_undone", _("This merge was already undone."))
        moved = merge.moved
        target = Person.objects.select_for_update().get(pk=merge.target_id)
        source = Person.objects.select_for_update().get(pk=merge.source_id)
        links = Clip.persons.through.objects
        back = list(moved.get("clips", [])) + list(moved.get("clips_shared", []))
        links.filter(person=target, clip_id__in=moved.get("clips", [])).delete()
        links.bulk_create(
            [links.model(clip_id=clip_id, person_id=source.pk) for clip_id in back],
            ignore_conflicts=True,
        )
        by_label = {_relation_label(rel): rel for rel in _foreign_relations()}
        for label, ids in moved.get("relations", {}).items():
            rel = by_label.get(label)
            if rel is not None:
                rel.related_model._default_manager.filter(
                    pk__in=ids, **{rel.field.name: target}
                ).update(**{rel.field.name: source})
        added = set(moved.get("aliases_added", []))
        target.aliases = [a for a in target.aliases if a not in added]
        target.protected = bool(moved.get("target_protected", target.protected))
        target.save()
        source.merged_into = None
        source.save()
        _refresh_priorities(target, source)
        merge.undone_by = user
        merge.undone_at = timezone.now()
        merge.save(update_fields=["undone_by", "undone_at"])
        record_event(
            None,
            "person.merge_undone",
            actor=user,
            data={"merge": merge.pk, "source": source.pk, "target": target.pk},
        )
    return merge
