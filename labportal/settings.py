"""Settings for labportal, read from the environment.

Every value has a default that needs no server, so `make run` works on a machine with nothing
but Python: SQLite under var/, Celery on kombu's filesystem transport under var/, mail written
as files under var/mail/. Set DATABASE_URL, CELERY_BROKER_URL and EMAIL_URL to run on
PostgreSQL, Redis and SMTP. See README.md, "Configuration", for every variable.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("LABPORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()


def _development_fernet_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY, for development and tests only: it changes with
    SECRET_KEY, which a production key must survive."""
    digest = hashlib.sha256(b"labportal.mfa-encryption-key:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY が設定されていません。本番環境では環境変数 SECRET_KEY に 50 文字以上の"
            "ランダムな文字列を設定してください（開発時は DEBUG=1 で起動すると仮の鍵を使います）。"
            " / SECRET_KEY is not set: set it in the environment, or run with DEBUG=1 for development."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The absolute URL of the portal, used in mails (no request is at hand in a worker).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The secretariat named in every mail footer and on every page.
SECRETARIAT_NAME = env.str("SECRETARIAT_NAME", default="地域DX推進ラボ 事務局")
SECRETARIAT_EMAIL = env.str("SECRETARIAT_EMAIL", default="dx-lab@example.go.jp")

INSTALLED_APPS = [
    "labportal.admin_apps.PortalAdminConfig",  # Django's admin; every ModelAdmin safe from 500s
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's own widget templates, for FORM_RENDERER below
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",  # before labportal: its failed-login receiver runs first (labportal/security.py)
    "labportal",
    "applications",
    "review",
    "transition",
    "bench",
]

MIDDLEWARE = [
    "labportal.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "labportal.csp_report.ReportingEndpointsMiddleware",  # before CSP: sees the policy it adds
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "labportal.sessions.SessionTimeoutMiddleware",  # after auth and messages: idle and absolute limits
    "labportal.security.SecurityLogMiddleware",  # records refused accesses (AccessRefused, PermissionDenied)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "labportal.two_factor.TwoFactorEnrolmentMiddleware",  # after auth and allauth: staff enrol first
    "axes.middleware.AxesMiddleware",  # last: turns a locked sign-in into our 429 login page
]

# Server-Timing headers with the time and query count of each response (see labportal/middleware.py).
SERVER_TIMING = env.bool("SERVER_TIMING", default=False)
# The benchmark's own pages (bench/views.py), routed only when set: `make bench` turns it on.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)

ROOT_URLCONF = "labportal.urls"
WSGI_APPLICATION = "labportal.wsgi.application"
ASGI_APPLICATION = "labportal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "labportal.context_processors.portal",
            ],
        },
    },
]

# Widgets render through TEMPLATES too, so that templates/admin/widgets/ can label the admin's split
# date and time inputs (Django's default renderer never looks in the project's templates/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'labportal.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A worker, beat and the web server share the file: wait for locks instead of failing,
    # and take the write lock at BEGIN so that concurrent writers queue instead of deadlocking.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "labportal.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# --- Accounts: sign-up, e-mail confirmation and login by django-allauth (applications/) ------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked sign-in before any password check
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a mail scanner following the link must not confirm it
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "【地域DX推進ラボ】"
ACCOUNT_ADAPTER = "applications.accounts.AccountAdapter"
ACCOUNT_FORMS = {"signup": "applications.accounts.SignupForm", "login": "applications.accounts.LoginForm"}
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_SIGNUP_REDIRECT_URL = "applications:dashboard"
# A password reset never signs in by itself: the new password goes through the (lockable) login.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Sessions end when the browser closes, and at the latest by the limits below: no "remember me".
ACCOUNT_SESSION_REMEMBER = False
# Failed logins are limited by django-axes per address *and* IP; allauth's own limit per address
# alone would let anyone lock a municipality out for five minutes. Its other limits stay.
ACCOUNT_RATE_LIMITS = {"login_failed": None}

# --- Cache: what must hold across processes (labportal/checks.py warns in production if not) ---
# Used codes of authenticator apps (no code logs in twice), wrong codes in a row, allauth's rate
# limits on sign-up, password reset and confirmation mails. Per process (locmem) is only right for
# `make run`'s single web process; with gunicorn's workers use Redis, e.g. redis://redis:6379/1.
# While Redis does not answer, labportal.cache falls back to a per-process cache: logins go on.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "labportal.cache.FallbackRedisCache"

# --- Sessions (labportal/sessions.py) ------------------------------------------------------
# Idle limits: staff and reviewers (the admin) / applicants; and an absolute lifetime after login.
SESSION_IDLE_MINUTES_PRIVILEGED = env.int("SESSION_IDLE_MINUTES_PRIVILEGED", default=30)
SESSION_IDLE_MINUTES_APPLICANT = env.int("SESSION_IDLE_MINUTES_APPLICANT", default=120)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 60 * 60  # the server forgets a session by then anyway

# --- Lockout after failed logins (django-axes; labportal/lockout.py) -------------------------
# AXES_FAILURE_LIMIT failures of one address from one IP lock that pair for AXES_COOLOFF_MINUTES;
# tries during the lock do not extend it, so the login page can say when to come back.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "labportal.lockout.attempted_username"
AXES_CLIENT_IP_CALLABLE = "labportal.security.client_ip"
AXES_LOCKOUT_CALLABLE = "labportal.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # labportal.admin shows the locks in Japanese, with a release action
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in our own security log (SecurityEvent)
AXES_VERBOSE = False
# The security log (labportal.models.SecurityEvent) keeps this many days of rows; the clock's
# sweep deletes older ones. Three years: a selection round and the whole transition period. 0 keeps all.
SECURITY_LOG_RETENTION_DAYS = env.int("SECURITY_LOG_RETENTION_DAYS", default=3 * 365)

# --- Two-factor authentication (allauth.mfa; the rule and its middleware: labportal/two_factor.py) ---
# Staff and reviewers must use an authenticator app (TOTP); applicants may. Recovery codes are the
# way back in when the phone is lost. One step of tolerance either side: phone clocks drift and
# typing the code takes time; a code is still accepted once only.
MFA_ADAPTER = "labportal.two_factor.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "地域DX推進ラボ"
MFA_TOTP_TOLERANCE = 1
MFA_FORMS = {"authenticate": "labportal.two_factor.AuthenticateForm",
             "reauthenticate": "labportal.two_factor.ReauthenticateForm",
             "activate_totp": "labportal.two_factor.ActivateTOTPForm"}
# The keys that encrypt the authenticator secrets in the database (Fernet, labportal.two_factor.
# MFAAdapter): comma-separated, newest first; new secrets use the first, any of them reads. Their
# own variable, never derived from SECRET_KEY in production, so that changing SECRET_KEY locks no
# one out. In development (DEBUG=1) a key derived from SECRET_KEY stands in when none is set; in
# production without one, secrets stay unencrypted and `check --deploy` warns (labportal.W002).
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[])
if not MFA_ENCRYPTION_KEYS and DEBUG:
    MFA_ENCRYPTION_KEYS = [_development_fernet_key(SECRET_KEY)]

# --- Attachments of applications (served only through applications.views) ------------------
APPLICATION_ATTACHMENT_MAX_BYTES = env.int("APPLICATION_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
APPLICATION_ATTACHMENTS_PER_APPLICATION = env.int("APPLICATION_ATTACHMENTS_PER_APPLICATION", default=20)
# The size limit holds while a file streams in: past it, the rest is discarded, never stored, and
# the form says the file is too large (labportal/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "labportal.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A form's text (files excluded): room for a section of several 20,000-character answers, and
# for the over-long one the form refuses with a message instead of a bare 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A form sent from a page too old to carry a valid CSRF token: a Japanese page, not Django's.
CSRF_FAILURE_VIEW = "labportal.views.csrf_failure"
# Reminders before a revision (差し戻し) is due, in days.
APPLICATION_REVISION_REMINDER_DAYS = env.list("APPLICATION_REVISION_REMINDER_DAYS", cast=int,
                                              default=[3, 1])
# Reminders to a reviewer before their review is due, in days (review/deadlines.py).
REVIEW_REMINDER_DAYS = env.list("REVIEW_REMINDER_DAYS", cast=int, default=[3, 1])
# A lab is "at risk" on the transition dashboard when nothing is submitted this close to the end.
TRANSITION_AT_RISK_DAYS = env.int("TRANSITION_AT_RISK_DAYS", default=90)

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))  # never served directly
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Mail ---------------------------------------------------------------------------------
# EMAIL_URL examples: smtp://user:pass@mail.example.go.jp:587/?tls=True, consolemail://,
# filemail:// (the default: one file per mail under var/mail/).
_email = env.email_url("EMAIL_URL", default="filemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
for _key, _value in _email.items():
    if _key != "EMAIL_BACKEND":
        globals()[_key] = _value
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    # Django's SMTP backend, which also tells the outbox when a message is handed to the server
    # and when the server accepted it (see labportal.services.outbox_send).
    EMAIL_BACKEND = "labportal.mail_backend.SMTPBackend"
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SECRETARIAT_NAME} <{SECRETARIAT_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = str(VAR_DIR / "celery" / "queue")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _queue,
        "data_folder_out": _queue,
        "processed_folder": _queue + "/processed",
        "control_folder": _queue + "/control",
        "store_processed": False,
    }
else:
    # The longest task (a sweep) is bounded by CELERY_TASK_TIME_LIMIT, and a mail's retry waits
    # at most OUTBOX_RETRY_MAX_SECONDS on its worker; a message unacknowledged for longer than
    # this is handed to another worker, so it must exceed both (checked below). A duplicate
    # delivery would still send nothing twice: the send task only claims a 待機 row.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None  # nothing reads task results: state lives on our own rows
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# --- The clock and the mail outbox (labportal/clock.py, labportal/services.py) -------------
# One sweep every CLOCK_SWEEP_SECONDS runs every deadline handler. A sweep queued while no
# worker ran expires instead of piling up: the next one catches up on everything anyway.
CLOCK_SWEEP_SECONDS = env.int("CLOCK_SWEEP_SECONDS", default=120)
# Reminders to applicants this many days before a round closes.
CLOCK_REMINDER_OFFSETS_DAYS = env.list("CLOCK_REMINDER_OFFSETS_DAYS", cast=int, default=[7, 1])
# The sweep's lease lasts as long as the task may live: a killed sweep frees it by expiry.
CLOCK_LOCK_SECONDS = CELERY_TASK_TIME_LIMIT
CELERY_BEAT_SCHEDULE = {
    "clock-sweep": {
        "task": "labportal.tasks.clock_sweep",
        "schedule": CLOCK_SWEEP_SECONDS,
        "options": {"expires": CLOCK_SWEEP_SECONDS},
    },
}
# Transient SMTP errors are retried after base·2^(n-1) seconds (capped, with jitter), up to
# OUTBOX_MAX_ATTEMPTS attempts in all; then the mail is 失敗 and staff can resend it.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=60)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=30 * 60)
# A mail 送信中 for longer than this lost its worker (the hard time limit had killed it):
# the sweep puts it back in the queue, or marks it 失敗 if it had reached the SMTP server.
OUTBOX_STUCK_SECONDS = env.int("OUTBOX_STUCK_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60)
if OUTBOX_STUCK_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "OUTBOX_STUCK_SECONDS は CELERY_TASK_TIME_LIMIT より長くしてください（送信中の作業者が"
        "まだ生きているメールを再送しないため）。")
if CELERY_BROKER_URL.startswith("redis") and \
        OUTBOX_RETRY_MAX_SECONDS >= CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]:
    raise ImproperlyConfigured(
        "OUTBOX_RETRY_MAX_SECONDS は Redis の visibility_timeout より短くしてください。")

# --- Security (strict when DEBUG is off) --------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # no URL (ids, tokens in reset links) leaves the site
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The address a client connects from (lockouts, the security log): REMOTE_ADDR, or behind our
# own TLS proxy the address it appends to X-Forwarded-For (labportal/security.py client_ip).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
# Content Security Policy (django-csp): our own static files only — no inline script, no inline
# style, no CDN. data: images are Bootstrap's SVG icons in its CSS (menu button, select arrows, checks).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        # Violations are reported to labportal/csp_report.py, into the security log.
        "report-uri": "/csp-report/",
        "report-to": "csp-endpoint",
    },
}
# The report endpoint's limits: a report's body, and reports a minute from one address / in all.
CSP_REPORT_MAX_BYTES = 16 * 1024
CSP_REPORTS_PER_MINUTE = env.int("CSP_REPORTS_PER_MINUTE", default=30)
CSP_REPORTS_PER_MINUTE_TOTAL = env.int("CSP_REPORTS_PER_MINUTE_TOTAL", default=600)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # health checks from inside the network speak HTTP
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    # Preload lists take registrable domains only (the ministry's go.jp domain), never this
    # portal's subdomain: W021 does not apply here. SECURE_HSTS_PRELOAD=1 opts in all the same.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if SECURE_SSL_REDIRECT:
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
