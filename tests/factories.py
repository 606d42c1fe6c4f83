"""factory_boy factories for rows the tests need without going through an upload."""

import hashlib
import itertools

import factory

from dashboard.constants import ClipStatus
from dashboard.models import Clip, Person

_counter = itertools.count()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")


class ClipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clip

    sha256 = factory.LazyFunction(lambda: hashlib.sha256(str(next(_counter)).encode()).hexdigest())
    file = factory.LazyAttribute(lambda o: f"clips/{o.sha256[:2]}/{o.sha256}.mp4")
    size_bytes = 1000
    width = 320
    height = 240
    fps = 25.0
    duration_s = 2.0
    frame_count = 50
    status = ClipStatus.QUEUED
