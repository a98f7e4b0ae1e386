"""The portal's cache backend: Django's RedisCache that keeps the portal working when Redis does not
answer.

The cache holds limits and one-time marks (used authenticator codes, wrong codes in a row,
allauth's rate limits), which must be shared by all web workers: hence Redis. But a Redis outage
must not turn every login into an error page. While Redis does not answer, each operation falls
back to a cache of this process (the limits then hold per worker, as with locmem) and the outage
is logged; the next operation tries Redis again. Set with CACHE_URL=redis://… (settings.py).
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many",
               "delete_many", "clear")
_LOG_EVERY_SECONDS = 60


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1,
                                        **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._fallback = LocMemCache(f"labportal-fallback-{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._logged_at = 0.0

    def _redis_down(self, operation, error):
        now = time.monotonic()
        if now - self._logged_at > _LOG_EVERY_SECONDS:
            self._logged_at = now
            logger.error("Redis（キャッシュ）に接続できないため、このプロセスのキャッシュで処理を続けます"
                         "（%s: %s）", operation, error)


def _with_fallback(name):
    redis_operation = getattr(RedisCache, name)

    def operation(self, *args, **kwargs):
        import redis

        try:
            return redis_operation(self, *args, **kwargs)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            self._redis_down(name, error)
            return getattr(self._fallback, name)(*args, **kwargs)

    operation.__name__ = operation.__qualname__ = name
    operation.__doc__ = f"RedisCache.{name}, or this process's cache while Redis does not answer."
    return operation


for _name in _OPERATIONS:
    setattr(FallbackRedisCache, _name, _with_fallback(_name))
