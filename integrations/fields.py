"""EncryptedTextField: a text column stored Fernet-encrypted under the keys in UNMASK_FIELD_KEY.

Webhook endpoint secrets live here: a copy of the database (a backup, a world-readable file)
then gives no one the key that signs our webhooks. The first key encrypts, every key decrypts,
so a key can be rotated (new key first, re-save the rows, drop the old key). The value in
Python is the plain text; only the column holds the token. Encryption is randomised, so the
column cannot be filtered on.
"""

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def field_cipher() -> MultiFernet:
    """The cipher for the keys in settings.UNMASK_FIELD_KEYS (first encrypts, all decrypt)."""
    return MultiFernet([Fernet(key) for key in settings.UNMASK_FIELD_KEYS])


def encrypt_text(plain: str) -> str:
    return field_cipher().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    """The plain text of `token`; a token no configured key opens stops loudly."""
    try:
        return field_cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with UNMASK_FIELD_KEY: the key changed or is "
            "missing (give the old key after the new one, comma-separated)."
        ) from exc


def is_encrypted(value: str) -> bool:
    """Whether `value` is a token one of the configured keys opens."""
    try:
        decrypt_text(value)
    except ImproperlyConfigured:
        return False
    return True


class EncryptedTextField(models.TextField):
    """A TextField whose column holds a Fernet token of the value."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt_text(value)
