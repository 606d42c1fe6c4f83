"""Create or update a desk account with one role."""

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dashboard.constants import Role
from dashboard.roles import set_role

ROLE_NAMES = {
    "moderator": Role.MODERATOR,
    "senior": Role.SENIOR,
    "admin": Role.ADMIN,
    "reporter": Role.REPORTER,
}


class Command(BaseCommand):
    help = "Create or update an account and give it a role (moderator, senior, admin, reporter)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_NAMES))
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            help="Set this password (default: ask interactively for new accounts; "
            "or read UNMASK_PASSWORD from the environment with --password-from-env).",
        )
        parser.add_argument("--password-from-env", action="store_true")
        parser.add_argument("--no-password", action="store_true", help="API-only account")

    def handle(self, *args: Any, **opts: Any) -> None:
        User = get_user_model()
        username = opts["username"].strip()
        if not username or len(username) > 150:
            raise CommandError("Give a username of 1 to 150 characters.")
        password = opts["password"]
        if opts["password_from_env"]:
            password = os.environ.get("UNMASK_PASSWORD") or None
            if password is None:
                raise CommandError("UNMASK_PASSWORD is not set.")
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username)
            if opts["email"]:
                user.email = opts["email"]
            if password is None and created and not opts["no_password"]:
                password = getpass.getpass(f"Password for {username}: ")
            if password is not None:
                try:
                    validate_password(password, user)
                except ValidationError as exc:
                    raise CommandError(" ".join(exc.messages)) from exc
                user.set_password(password)
            elif created:
                user.set_unusable_password()
            user.save()
            set_role(user, ROLE_NAMES[opts["role"]])
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {username} as {ROLE_NAMES[opts['role']]}."))
