"""Encrypt the authenticator secrets still stored in the clear: after MFA_ENCRYPTION_KEYS is set
on a portal that ran its migrations without it (migration 0007 does the same on migrate)."""

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from labportal.two_factor import authenticator_secrets_encrypt


class Command(BaseCommand):
    help = "暗号化されずに保存されている2段階認証の鍵を、MFA_ENCRYPTION_KEYS の先頭の鍵で暗号化します。"

    def handle(self, *args, **options):
        if not settings.MFA_ENCRYPTION_KEYS:
            raise CommandError("MFA_ENCRYPTION_KEYS が設定されていません。")
        changed = authenticator_secrets_encrypt()
        self.stdout.write(f"暗号化した認証器: {changed}件")
