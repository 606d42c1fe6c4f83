"""People depicted: how a stated name becomes a Person row (by name or alias, case-insensitive)."""

from collections.abc import Iterable

from dashboard.models import Person

MAX_SUBJECTS = 20


def resolve_persons(names: Iterable[str]) -> list[Person]:
    """Find persons by name or alias (case-insensitive); create the ones not known yet."""
    persons: list[Person] = []
    for raw in list(names)[:MAX_SUBJECTS]:
        name = " ".join(raw.split())[:200]
        if not name:
            continue
        person = Person.objects.filter(name__iexact=name).first()
        if person is None:
            lowered = name.lower()
            person = next(
                (
                    candidate
                    for candidate in Person.objects.exclude(aliases=[])
                    if lowered in (str(alias).lower() for alias in candidate.aliases)
                ),
                None,
            )
        if person is None:
            person, _ = Person.objects.get_or_create(name=name)
        if person not in persons:
            persons.append(person)
    return persons
