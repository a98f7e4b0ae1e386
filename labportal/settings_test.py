"""Settings for the test suite.

Before the normal settings are read, this module decides which services the suite uses:
PostgreSQL and Redis when they answer (at DATABASE_URL / CELERY_BROKER_URL, or the defaults
127.0.0.1:5432 and 127.0.0.1:6379), SQLite and the embedded broker otherwise. With
REQUIRE_SERVICES=1 a missing service is an error, never a silent fall-back.
"""

import os
import socket
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/labportal"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/15"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 1):
            return True
    except OSError:
        return False


REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

_db_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
POSTGRES_AVAILABLE = _db_url.startswith("postgres") and _reachable(_db_url, 5432)
_broker_url = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
REDIS_AVAILABLE = _broker_url.startswith("redis") and _reachable(_broker_url, 6379)

if REQUIRE_SERVICES and not (POSTGRES_AVAILABLE and REDIS_AVAILABLE):
    raise RuntimeError(
        f"REQUIRE_SERVICES=1 but PostgreSQL ({_db_url}: {POSTGRES_AVAILABLE}) or "
        f"Redis ({_broker_url}: {REDIS_AVAILABLE}) does not answer."
    )

os.environ["DATABASE_URL"] = _db_url if POSTGRES_AVAILABLE else "sqlite:///:memory:"
os.environ["CELERY_BROKER_URL"] = _broker_url if REDIS_AVAILABLE else "memory://"
# For the integration tests: the worker they start must use the same broker and database.
TEST_BROKER_URL = _broker_url if REDIS_AVAILABLE else None
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("EMAIL_URL", "consolemail://")

from labportal.settings import *  # noqa: E402,F401,F403
from labportal.settings import BASE_DIR, SECRET_KEY, _development_fernet_key  # noqa: E402

# Several checkouts or people on one PostgreSQL server: give each run its own test database.
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
# Tests run with DEBUG=0 but, like development, encrypt authenticator secrets with a key derived
# from SECRET_KEY unless MFA_ENCRYPTION_KEYS is set.
MFA_ENCRYPTION_KEYS = MFA_ENCRYPTION_KEYS or [_development_fernet_key(SECRET_KEY)]  # noqa: F405
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
CELERY_TASK_ALWAYS_EAGER = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (whitenoise warns when it is missing)
