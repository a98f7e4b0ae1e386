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
