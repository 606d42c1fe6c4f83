"""Fixtures shared by the whole suite: fixed users per role, API clients, generated media."""

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from dashboard.constants import Role
from dashboard.models import Label
from dashboard.roles import set_role
from dashboard.tokens import create_token
from detection.synthetic import make_clip
from tests.scratch import scratch_database

PASSWORD = "correct horse battery staple 42"  # noqa: S105


def _user(username: str, role: str | None):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    if role:
        set_role(user, role)
    return user


@pytest.fixture
def moderator(db):
    return _user("moderator", Role.MODERATOR)


@pytest.fixture
def moderator2(db):
    return _user("moderator2", Role.MODERATOR)


@pytest.fixture
def senior(db):
    return _user("senior", Role.SENIOR)


@pytest.fixture
def admin_user(db):
    return _user("admin", Role.ADMIN)


@pytest.fixture
def reporter(db):
    return _user("reporter", Role.REPORTER)


@pytest.fixture
def outsider(db):
    """Logged in, but with no Unmask role."""
    return _user("outsider", None)


@pytest.fixture
def api_client_for() -> Callable[..., APIClient]:
    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            _, raw = create_token(user, "test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return client

    return make


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def face_clip(media_dir) -> Path:
    return make_clip(media_dir / "face.mp4", kind="face", seconds=2.0, size=(320, 240), seed=1)


@pytest.fixture(scope="session")
def noface_clip(media_dir) -> Path:
    return make_clip(media_dir / "noface.mp4", kind="noface", seconds=2.0, size=(320, 240), seed=2)


@pytest.fixture(scope="session")
def fake_clip(media_dir) -> Path:
    return make_clip(
        media_dir / "fake.mp4", kind="animated_still", seconds=2.0, size=(320, 240), seed=3
    )


@pytest.fixture(autouse=True)
def isolated_media(settings, tmp_path):
    """Each test stores clips under its own media root, so file assertions see only its files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def scratch_database_url(tmp_path) -> Iterator[str]:
    """An empty database for a migration check run in its own process (tests/scratch.py)."""
    yield from scratch_database(tmp_path)


@pytest.fixture(autouse=True)
def fresh_live_index():
    """Each test's bank (and change log) is rolled back with it, ids re-used: the process's
    live hash index starts empty for every test."""
    from provenance.live_index import live

    live.reset()
    yield
    live.reset()


@pytest.fixture
def seeded_labels(transactional_db) -> None:
    """The labels a data migration seeds, for transactional tests: an earlier transactional
    test's flush removed them."""
    seeded = importlib.import_module("dashboard.migrations.0002_roles_and_labels")
    for slug, name, category, manipulated, description in seeded.LABELS:
        Label.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "category": category,
                "manipulated": manipulated,
                "description": description,
            },
        )
    # The Korean names, the removal policies and the platform presets, as their migration
    # seeds them (found by its topic: the lead may renumber it).
    migrations = Path(importlib.import_module("dashboard.migrations").__file__).parent
    [translated] = migrations.glob("*_translated_labels_policies_platforms.py")
    importlib.import_module(f"dashboard.migrations.{translated.stem}").seed(django_apps, None)


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the desk's default language: a request or a pack built in Korean
    leaves its language active in the thread, which would turn the next test's pages Korean."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)
