"""The team-workflow tests start from the default two-person policies the migrations seed.

A transactional test elsewhere in the suite flushes the database, migration data included, so
the rows are put back (idempotently) before each test here.
"""

import importlib

import pytest
from django.apps import apps

protected_person_default = importlib.import_module(
    "teamwork.migrations.0002_default_two_person_policy"
)
reach_default = importlib.import_module("teamwork.migrations.0006_default_reach_policy")
reports_default = importlib.import_module("teamwork.migrations.0007_default_report_count_policy")


@pytest.fixture(autouse=True)
def default_two_person_policy(db) -> None:
    protected_person_default.create_default(apps, None)
    reach_default.create_default(apps, None)
    reports_default.create_default(apps, None)
