"""Webhook endpoint secrets move to an encrypted column: existing plain secrets are encrypted.

The column first becomes plain text (room for a Fernet token), then every secret that is not
already a token is encrypted under UNMASK_FIELD_KEY, then the field becomes the encrypted one.
Reversing decrypts them again.
"""

from django.db import migrations, models

import integrations.fields
import integrations.models
from integrations.fields import decrypt_text, encrypt_text, is_encrypted


def encrypt_secrets(apps, schema_editor):
    Endpoint = apps.get_model("integrations", "WebhookEndpoint")
    for endpoint in Endpoint.objects.using(schema_editor.connection.alias).only("pk", "secret"):
        if not is_encrypted(endpoint.secret):
            Endpoint.objects.filter(pk=endpoint.pk).update(secret=encrypt_text(endpoint.secret))


def decrypt_secrets(apps, schema_editor):
    Endpoint = apps.get_model("integrations", "WebhookEndpoint")
    for endpoint in Endpoint.objects.using(schema_editor.connection.alias).only("pk", "secret"):
        if is_encrypted(endpoint.secret):
            Endpoint.objects.filter(pk=endpoint.pk).update(secret=decrypt_text(endpoint.secret))


HELP = 'Shared secret for the signature: X-Unmask-Signature: v1=<hex HMAC-SHA256 of "{X-Unmask-Timestamp}.{body}">.'


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_idempotency_keys_moved_to_core"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=models.TextField(default=integrations.models.generate_secret, help_text=HELP),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=integrations.fields.EncryptedTextField(
                default=integrations.models.generate_secret, help_text=HELP
            ),
        ),
    ]
