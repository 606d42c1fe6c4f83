"""A person's clips, newest first, one keyset page at a time (the per-person page).

The clip-person table is read through its (person_id, clip_id) index from the cursor down, so
a person depicted in 100,000 clips opens as fast as one in ten; the total is counted up to
COUNT_CAP and shown as "more than" above it.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch

from dashboard import keyset
from dashboard.access import visible_clips
from dashboard.models import Clip, Decision, Person

PAGE_SIZE = 50
COUNT_CAP = 1000


@dataclass(frozen=True)
class PersonClips:
    clips: list[Clip]
    total: int
    total_capped: bool
    next_cursor: str
    first: bool


def person_clips(
    person: Person, user: AbstractBaseUser, cursor: str | None, size: int | None = None
) -> PersonClips:
    """One page of the clips depicting `person` that `user` may read (dashboard.access),
    newest arrival (highest id) first."""
    size = size or PAGE_SIZE
    position = keyset.decode(cursor, 1)
    links = Clip.persons.through.objects.filter(
        person=person, clip_id__in=visible_clips(user).values("pk")
    )
    total = links.values("pk")[: COUNT_CAP + 1].count()
    if position is not None:
        links = links.filter(clip_id__lt=position[0])
    ids = list(links.order_by("-clip_id").values_list("clip_id", flat=True)[: size + 1])
    has_next, ids = len(ids) > size, ids[:size]
    clips = sorted(
        Clip.objects.filter(pk__in=ids)
        .select_related("claimed_by")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("moderator").prefetch_related("labels"),
            )
        ),
        key=lambda clip: -clip.pk,
    )
    return PersonClips(
        clips=clips,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        next_cursor=keyset.encode([clips[-1].pk]) if has_next and clips else "",
        first=position is None,
    )
