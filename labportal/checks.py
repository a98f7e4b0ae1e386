"""System checks of the portal's own, run by `manage.py check --deploy` (a test runs it with
--fail-level WARNING in a production environment)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, Tags.caches, deploy=True)
def cache_shared_between_processes(app_configs, **kwargs):
    """A per-process cache under gunicorn's workers would let a used authenticator code log in
    again on another worker and multiply every limit kept in the cache by the number of workers."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [Warning(
            "キャッシュがプロセスごとです（CACHE_URL が未設定）。複数のワーカーで動かす本番環境では、"
            "2段階認証のコードの再利用防止や試行回数の制限がワーカーごとになります。"
            "CACHE_URL に Redis を指定してください（例: redis://redis:6379/1）。",
            id="labportal.W001")]
    return []


@register(Tags.security, deploy=True)
def authenticator_secrets_encrypted(app_configs, **kwargs):
    """Without MFA_ENCRYPTION_KEYS, production stores the authenticator secrets in the clear (a key
    derived from SECRET_KEY would lock everyone out the day SECRET_KEY changes)."""
    if settings.MFA_ENCRYPTION_KEYS:
        return []
    return [Warning(
        "MFA_ENCRYPTION_KEYS が未設定のため、2段階認証の鍵（認証アプリの秘密鍵）が暗号化されずに"
        "データベースに保存されます。次のコマンドで鍵を作り、環境変数 MFA_ENCRYPTION_KEYS に設定してください: "
        "python -c \"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\"（設定後、"
        "python manage.py encrypt_authenticator_secrets で保存済みの鍵も暗号化します）",
        id="labportal.W002")]
