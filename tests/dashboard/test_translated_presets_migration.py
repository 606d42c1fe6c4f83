"""The migration that adds the Korean names and the policy and platform presets goes back
and forth: reversed, its tables and columns are gone; applied again, it seeds them again."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

import dashboard.migrations
from dashboard.models import Label, Platform, RemovalPolicy

pytestmark = pytest.mark.django_db(transaction=True)


def _names() -> tuple[str, str]:
    """(this migration, the one before it), found by topic: the lead may renumber them."""
    folder = Path(dashboard.migrations.__file__).parent
    [path] = folder.glob("*_translated_labels_policies_platforms.py")
    earlier = sorted(p.stem for p in folder.glob("0*.py") if p.stem < path.stem)
    return path.stem, earlier[-1]


def test_translations_migration_reverses_and_reapplies() -> None:
    _this, before = _names()
    Label.objects.update_or_create(
        slug="lip-sync", defaults={"name": "Lip-sync", "category": "manipulation"}
    )
    call_command("migrate", "dashboard", before, verbosity=0)
    tables = connection.introspection.table_names()
    assert "dashboard_platform" not in tables and "dashboard_removalpolicy" not in tables
    with connection.cursor() as cursor:
        columns = {
            c.name
            for c in connection.introspection.get_table_description(cursor, "dashboard_label")
        }
    assert "name_ko" not in columns
    call_command("migrate", "dashboard", verbosity=0)
    assert Label.objects.get(slug="lip-sync").name_ko == "립싱크 조작"
    assert RemovalPolicy.objects.get(name="Impersonation or fraud").name_ko == "사칭 또는 사기"
    assert Platform.objects.get(name="Weverse").name_ko == "위버스"
    assert list(Platform.objects.values_list("name", flat=True)[:3]) == [
        "Naver",
        "Kakao",
        "Weverse",
    ]
