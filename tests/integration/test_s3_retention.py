"""Retention frees an S3 bucket (moto's server on 127.0.0.1): erasure and the sweep delete the
clip file, evidence pack and rendition objects through the storage API, and nothing else."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.models import Clip
from retention.services import carry_out_erasure, record_erasure_request, run_sweep
from tests.factories import PersonFactory
from tests.integration.test_s3_storage import keys, s3, s3_endpoint  # noqa: F401 (fixtures)
from tests.retention.conftest import stock

pytestmark = pytest.mark.django_db


def test_erasure_deletes_the_objects_in_s3(s3, moderator, admin_user, isolated_media):  # noqa: F811
    person = PersonFactory(name="Jane Doe")
    mine, other = stock(moderator), stock(moderator)
    mine.clip.persons.add(person)
    assert set(mine.names) <= set(keys(s3)) and set(other.names) <= set(keys(s3))
    assert not list(isolated_media.rglob("*.*")), "everything is in the bucket"

    carry_out_erasure(record_erasure_request(person, admin_user, "Jane").pk, admin_user)

    left = set(keys(s3))
    assert not set(mine.names) & left
    assert set(other.names) <= left
    assert Clip.objects.get(pk=mine.clip.pk).sha256 == mine.clip.sha256


def test_sweep_frees_the_bucket_and_a_rerun_is_a_no_op(s3, moderator):  # noqa: F811
    due = stock(moderator)
    later = timezone.now() + timedelta(days=31)
    assert len(run_sweep(dry_run=True, now=later).erased) == 0
    assert set(due.names) <= set(keys(s3))
    assert len(run_sweep(dry_run=False, now=later).erased) == 1
    assert keys(s3) == []
    assert run_sweep(dry_run=False, now=later).erased == []
