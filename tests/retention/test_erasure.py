"""An erasure request for a person: the media of every clip depicting them goes (files through
the storage, crops, packs, renditions); hashes, decisions and audit stay; a held clip is kept
and named; carrying it out again erases nothing more."""

import pytest
from django.core.files.storage import default_storage

from dashboard.constants import DepictionSource
from dashboard.models import AuditEvent, Clip, Decision
from dashboard.persons import depict
from detection.models import DetectionRun, FaceCrop
from provenance.models import ClipFingerprint, DisclosedRendition
from retention.constants import ErasureState
from retention.services import (
    RetentionError,
    carry_out_erasure,
    hold_reasons,
    place_hold,
    record_erasure_request,
    release_hold,
)
from teamwork.models import EvidencePack
from tests.factories import PersonFactory
from tests.retention.conftest import stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return PersonFactory(name="Jane Doe")


def test_erasure_deletes_every_file_and_keeps_hashes_decisions_and_audit(
    moderator, admin_user, person, isolated_media
):
    mine, also_mine, not_mine = stock(moderator), stock(moderator), stock(moderator)
    for s in (mine, also_mine):
        s.clip.persons.add(person)
    sha = mine.clip.sha256
    audit_before = AuditEvent.objects.filter(clip=mine.clip).count()

    request = record_erasure_request(person, admin_user, "Jane Doe, by email to privacy@")
    done = carry_out_erasure(request.pk, admin_user)

    assert done.state == ErasureState.DONE
    assert done.carried_out_by == admin_user and done.carried_out_at is not None
    run = done.result["runs"][0]
    assert {e["clip"] for e in run["erased"]} == {
        mine.clip.public_id.hex,
        also_mine.clip.public_id.hex,
    }
    assert run["kept"] == []
    for s in (mine, also_mine):
        assert not any(default_storage.exists(n) for n in s.names)
        assert not any((isolated_media / n).exists() for n in s.names)
        clip = Clip.objects.get(pk=s.clip.pk)
        assert clip.file.name == "" and clip.media_erased_at is not None
        assert clip.media_erased_under == f"erasure request {request.pk} of Jane Doe"
        assert not FaceCrop.objects.filter(run__clip=clip).exists()
        assert EvidencePack.objects.get(pk=s.pack.pk).file.name == ""
        assert DisclosedRendition.objects.get(pk=s.rendition.pk).file.name == ""
    # Someone else's clip is untouched.
    assert all(default_storage.exists(n) for n in not_mine.names)
    # What stays: the hashes (for resurfacing), the run, decisions, pack and rendition digests.
    kept = Clip.objects.get(pk=mine.clip.pk)
    assert kept.sha256 == sha
    assert ClipFingerprint.objects.filter(clip=kept).exists()
    assert DetectionRun.objects.filter(clip=kept).exists()
    assert Decision.objects.filter(clip=kept).count() == 1
    assert EvidencePack.objects.get(pk=mine.pack.pk).sha256 == "ee" * 32
    assert AuditEvent.objects.filter(clip=kept).count() == audit_before + 1
    erased = AuditEvent.objects.get(clip=kept, action="retention.media_erased")
    assert erased.actor == admin_user and erased.data["erasure_request"] == request.pk
    assert AuditEvent.objects.filter(action="retention.erasure_carried_out").count() == 1


def test_erasure_is_idempotent(moderator, admin_user, person):
    s = stock(moderator)
    s.clip.persons.add(person)
    request = record_erasure_request(person, admin_user, "Jane's lawyer")
    carry_out_erasure(request.pk, admin_user)
    first = Clip.objects.get(pk=s.clip.pk).media_erased_at

    again = carry_out_erasure(request.pk, admin_user)
    assert again.result["runs"][1]["erased"] == [{"clip": s.clip.public_id.hex, "items": []}]
    assert Clip.objects.get(pk=s.clip.pk).media_erased_at == first
    assert AuditEvent.objects.filter(clip=s.clip, action="retention.media_erased").count() == 1


def test_held_clip_is_kept_and_named_then_erased_after_release(moderator, admin_user, person):
    held, free = stock(moderator), stock(moderator)
    held.clip.persons.add(person)
    free.clip.persons.add(person)
    hold = place_hold(admin_user, "Police investigation 44", clip=held.clip)
    request = record_erasure_request(person, admin_user, "Jane Doe")
    done = carry_out_erasure(request.pk, admin_user)
    assert done.state == ErasureState.PARTIAL
    kept = done.result["runs"][0]["kept"]
    assert (
        kept[0]["clip"] == held.clip.public_id.hex
        and "Police investigation 44" in kept[0]["reasons"][0]
    )
    assert all(default_storage.exists(n) for n in held.names)
    assert not default_storage.exists(free.clip.file.name)

    release_hold(hold.pk, admin_user, "Investigation closed")
    assert carry_out_erasure(request.pk, admin_user).state == ErasureState.DONE
    assert not any(default_storage.exists(n) for n in held.names)


def test_erasure_ignores_appeal_windows(moderator, admin_user, person):
    s = stock(moderator)  # decided seconds ago: a sweep would wait 30 days
    s.clip.persons.add(person)
    carry_out_erasure(record_erasure_request(person, admin_user, "Jane").pk, admin_user)
    assert not default_storage.exists(s.clip.file.name)


def test_only_admins_record_or_carry_out_erasure(moderator, senior, admin_user, person):
    with pytest.raises(RetentionError):
        record_erasure_request(person, senior, "Jane")
    request = record_erasure_request(person, admin_user, "Jane")
    with pytest.raises(RetentionError) as refused:
        carry_out_erasure(request.pk, moderator)
    assert refused.value.status == 403


def test_erasure_and_holds_reach_clips_that_once_depicted_the_person(moderator, admin_user, person):
    """A person untagged from a clip after a report named them is still its subject: a hold
    on the person keeps that clip, and their erasure request erases it once released."""
    s = stock(moderator)
    depict(s.clip, [person], source=DepictionSource.REPORT)
    s.clip.persons.remove(person)  # as an untag leaves it: the depiction stays
    hold = place_hold(admin_user, "Litigation", person=person)
    assert hold_reasons(s.clip)
    request = record_erasure_request(person, admin_user, "Jane Doe, by email")
    carry_out_erasure(request.pk, admin_user)
    assert Clip.objects.get(pk=s.clip.pk).media_erased_at is None  # held
    release_hold(hold.pk, admin_user, "Settled")
    carry_out_erasure(request.pk, admin_user)
    assert Clip.objects.get(pk=s.clip.pk).media_erased_at is not None
