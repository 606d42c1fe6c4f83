"""add_moderator and create_api_token: accounts with roles, tokens stored hashed."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from dashboard.models import ApiToken
from dashboard.roles import is_admin, is_moderator, is_reporter, is_senior, roles_of
from dashboard.tokens import hash_token, user_for_token

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "a long and unusual passphrase 9"  # noqa: S105


def test_add_moderator_creates_then_changes_role():
    call_command("add_moderator", "kim", "--role", "moderator", "--password", GOOD_PASSWORD)
    kim = get_user_model().objects.get(username="kim")
    assert kim.check_password(GOOD_PASSWORD)
    assert is_moderator(kim) and not is_senior(kim) and not kim.is_staff
    call_command("add_moderator", "kim", "--role", "admin")
    kim = get_user_model().objects.get(username="kim")
    assert is_admin(kim) and is_senior(kim) and kim.is_staff
    assert kim.groups.count() == 1
    assert kim.check_password(GOOD_PASSWORD)  # unchanged without --password


def test_add_moderator_refuses_weak_passwords_and_unknown_roles():
    with pytest.raises(CommandError):
        call_command("add_moderator", "lee", "--role", "moderator", "--password", "123")
    assert not get_user_model().objects.filter(username="lee").exists()
    with pytest.raises(CommandError):
        call_command("add_moderator", "lee", "--role", "overlord", "--password", GOOD_PASSWORD)


def test_api_token_is_printed_once_and_stored_hashed(capsys):
    call_command("add_moderator", "feed", "--role", "reporter", "--no-password")
    call_command("create_api_token", "feed", "--name", "platform feed")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert raw.startswith("um_") and len(raw) > 30
    assert token.key_hash == hash_token(raw) and raw not in token.key_hash
    assert user_for_token(raw).user.username == "feed"
    assert is_reporter(token.user) and roles_of(token.user) == {"Reporter"}
    assert user_for_token(raw + "x") is None
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody")
