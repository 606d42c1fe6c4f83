"""Finding the persons a clip depicts by name or alias, shared by ingest and the review desk.

Kept apart from `dashboard.ingest` so that deciding and annotating a clip does not import the
upload pipeline (and through it, detection).
"""

from collections.abc import Iterable

from dashboard.models import Person

# At most this many names are taken from one report or one request.
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
