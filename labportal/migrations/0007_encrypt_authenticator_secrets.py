"""Encrypt the authenticator secrets stored in the clear before MFA_ENCRYPTION_KEYS
(labportal.two_factor.MFAAdapter). Not needed for logins, which read both forms; without a key
(production that has not set one yet) it changes nothing, and `manage.py
encrypt_authenticator_secrets` does the same later. Backwards: nothing to undo, the encrypted
secrets stay readable."""

from django.db import migrations


def encrypt_plaintext_secrets(apps, schema_editor):
    from labportal.two_factor import authenticator_secrets_encrypt

    authenticator_secrets_encrypt(apps.get_model("mfa", "Authenticator"))


class Migration(migrations.Migration):

    dependencies = [
        ("labportal", "0006_security_event_csrf_refused"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.RunPython(encrypt_plaintext_secrets, migrations.RunPython.noop),
    ]
