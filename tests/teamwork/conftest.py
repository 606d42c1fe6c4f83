"""The team-workflow tests start from the default two-person policy the migration seeds.

A transactional test elsewhere in the suite flushes the database, migration data included, so
the row is put back (idempotently) before each test here.
"""

import importlib

import pytest
from django.apps import apps

seeded = importlib.import_module("teamwork.migrations.0002_default_two_person_policy")


@pytest.fixture(autouse=True)
def default_two_person_policy(db) -> None:
    seeded.create_default(apps, None)
