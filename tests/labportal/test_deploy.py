"""The deployment files: docker-compose.yml, the Dockerfile, the vendored assets, and the
settings' behaviour in production (`check --deploy`, no SECRET_KEY).

No Docker engine runs here: the compose file is checked by Debian's docker-compose 1.29 (which
rejects unknown or too-new fields) and by reading it with PyYAML. Settings are exercised in
subprocesses with an environment built from scratch, never by reloading them in-process.
"""

import json
import os
import secrets
import shutil
import string
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ["web", "worker", "beat"]
SECRET_KEY_MESSAGE = "SECRET_KEY が設定されていません"


def _compose():
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _service(name):
    return _compose()["services"][name]


def _environment(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def _command(service):
    command = service.get("command") or ""
    return " ".join(command) if isinstance(command, list) else command


def _docker_compose():
    binary = shutil.which("docker-compose")
    if binary is None:
        reason = "docker-compose がありません（apt-get install docker-compose）"
        if settings.REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1: {reason}")
        pytest.skip(reason)
    return binary


def _clean_env(**values):
    """An environment with none of the settings variables the test settings put in os.environ."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "SYSTEMROOT", "TMPDIR") if key in os.environ}
    env.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"})
    env.update(values)
    return env


def _random_secret_key(length=60):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _fernet_key():
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _manage(args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )


# --- docker-compose.yml, checked by docker-compose itself ------------------------------------

def _compose_config(**env):
    return subprocess.run([_docker_compose(), "-f", str(COMPOSE_FILE), "config", "-q"],
                          cwd=ROOT, env=_clean_env(**env), capture_output=True, text=True, timeout=60)


def test_compose_file_valid_for_docker_compose():
    result = _compose_config(SECRET_KEY=_random_secret_key(), MFA_ENCRYPTION_KEYS=_fernet_key())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "MFA_ENCRYPTION_KEYS"])
def test_compose_config_without_a_secret_refused(missing):
    secrets_given = {"SECRET_KEY": _random_secret_key(), "MFA_ENCRYPTION_KEYS": _fernet_key()}
    del secrets_given[missing]
    result = _compose_config(**secrets_given)
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


# --- docker-compose.yml, read with PyYAML ----------------------------------------------------

def test_compose_services_all_present():
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= set(_compose()["services"])


def test_compose_file_free_of_fields_docker_compose_129_rejects():
    compose = _compose()
    assert "name" not in compose
    for name, service in compose["services"].items():
        assert "develop" not in service, name
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, dict):
            for target, condition in depends_on.items():
                assert "required" not in (condition or {}), f"{name} -> {target}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_database_on_postgres_service(name):
    url = urlsplit(_environment(_service(name))["DATABASE_URL"])
    assert url.scheme in ("postgres", "postgresql", "pgsql")
    assert url.hostname == "postgres"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_broker_on_redis_service(name):
    url = urlsplit(_environment(_service(name))["CELERY_BROKER_URL"])
    assert url.scheme == "redis"
    assert url.hostname == "redis"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_runs_without_debug(name):
    assert str(_environment(_service(name))["DEBUG"]) == "0"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_secret_key_required_from_environment(name):
    assert _environment(_service(name))["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_mfa_encryption_keys_required_from_environment(name):
    # The same keys in every service: a worker or beat may read an authenticator too.
    assert _environment(_service(name))["MFA_ENCRYPTION_KEYS"] == "${MFA_ENCRYPTION_KEYS:?set MFA_ENCRYPTION_KEYS}"


@pytest.mark.parametrize("name", ["postgres", "redis", "web"])
def test_compose_service_has_healthcheck(name):
    healthcheck = _service(name).get("healthcheck") or {}
    assert healthcheck.get("test")
    assert not healthcheck.get("disable")


def test_compose_web_healthcheck_requests_healthz():
    test = _service("web")["healthcheck"]["test"]
    joined = " ".join(test) if isinstance(test, list) else test
    assert "http://127.0.0.1:8000/healthz" in joined


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_waits_for_healthy_backends(name):
    depends_on = _service(name).get("depends_on")
    assert isinstance(depends_on, dict), "depends_on needs the long form with conditions"
    for backend in ("postgres", "redis"):
        assert (depends_on.get(backend) or {}).get("condition") == "service_healthy", backend


def test_compose_worker_scalable_without_name_or_ports():
    worker = _service("worker")
    assert "container_name" not in worker
    assert "ports" not in worker


def test_compose_worker_runs_celery_worker():
    command = _command(_service("worker"))
    assert "celery -A labportal worker" in command


def test_compose_beat_runs_celery_beat():
    command = _command(_service("beat")).split()
    assert command[:3] == ["celery", "-A", "labportal"]
    assert "beat" in command


def test_compose_web_migrates_then_serves_gunicorn():
    command = _command(_service("web"))
    assert "manage.py migrate" in command
    assert "gunicorn labportal.wsgi:application" in command
    assert command.index("manage.py migrate") < command.index("gunicorn")
    assert "0.0.0.0:8000" in command


@pytest.mark.parametrize("name", ["web", "worker"])
def test_compose_media_on_shared_named_volume(name):
    compose = _compose()
    service = compose["services"][name]
    assert _environment(service)["MEDIA_ROOT"] == "/data/media"
    mounts = [v if isinstance(v, str) else f"{v['source']}:{v['target']}" for v in service["volumes"]]
    assert "media:/data/media" in mounts
    assert "media" in compose["volumes"]


# --- Dockerfile ------------------------------------------------------------------------------

def test_dockerfile_runs_as_non_root_user():
    users = [line.split()[1] for line in DOCKERFILE.read_text().splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


def test_dockerfile_collects_static_at_build():
    assert "python manage.py collectstatic --noinput" in DOCKERFILE.read_text()


def test_dockerfile_without_healthcheck_shared_with_workers():
    # The workers and beat use the same image and serve no HTTP: an image-wide HEALTHCHECK
    # on :8000 would mark them unhealthy.
    assert not any(line.startswith("HEALTHCHECK") for line in DOCKERFILE.read_text().splitlines())


# --- Vendored front-end assets (linked by templates/base.html; never a CDN) -------------------

VENDORED = [
    "static/vendor/bootstrap/bootstrap.min.css",
    "static/vendor/bootstrap/bootstrap.bundle.min.js",
    "static/vendor/chartjs/chart.umd.min.js",
    "static/vendor/design-tokens/tokens.css",
]


@pytest.mark.parametrize("path", VENDORED)
def test_vendored_asset_present(path):
    assert (ROOT / path).stat().st_size > 1000


@pytest.mark.parametrize("path", VENDORED)
def test_vendored_asset_without_source_map_reference(path):
    # whitenoise's manifest storage fails collectstatic on a reference to a missing .map file.
    assert "sourceMappingURL" not in (ROOT / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("folder", ["bootstrap", "chartjs", "design-tokens"])
def test_vendored_package_ships_licence(folder):
    assert list((ROOT / "static" / "vendor" / folder).glob("LICENSE*"))


# --- Settings in production, in a subprocess -------------------------------------------------

def test_check_deploy_production_env_passes(tmp_path):
    env = _clean_env(
        DEBUG="0",
        SECRET_KEY=_random_secret_key(60),
        MFA_ENCRYPTION_KEYS=f"{_fernet_key()},{_fernet_key()}",
        ALLOWED_HOSTS="dx-lab.example.go.jp",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        CACHE_URL="redis://127.0.0.1:6379/1",
        DJANGO_SETTINGS_MODULE="labportal.settings",
        LABPORTAL_VAR_DIR=str(tmp_path / "var"),
    )
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_of_a_cache_per_process(tmp_path):
    env = _clean_env(
        DEBUG="0",
        SECRET_KEY=_random_secret_key(60),
        ALLOWED_HOSTS="dx-lab.example.go.jp",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        DJANGO_SETTINGS_MODULE="labportal.settings",
        LABPORTAL_VAR_DIR=str(tmp_path / "var"),
    )
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "labportal.W001" in result.stderr and "CACHE_URL に Redis を指定してください" in result.stderr


def test_check_deploy_warns_of_unencrypted_authenticator_secrets(tmp_path):
    env = _clean_env(
        DEBUG="0",
        SECRET_KEY=_random_secret_key(60),
        ALLOWED_HOSTS="dx-lab.example.go.jp",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        CACHE_URL="redis://127.0.0.1:6379/1",
        DJANGO_SETTINGS_MODULE="labportal.settings",
        LABPORTAL_VAR_DIR=str(tmp_path / "var"),
    )
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert (result.returncode != 0, "labportal.W002" in result.stderr,
            "MFA_ENCRYPTION_KEYS が未設定のため" in result.stderr,
            "print(Fernet.generate_key().decode())" in result.stderr) == (True, True, True, True)


def test_settings_without_secret_key_refuse_to_start(tmp_path):
    env = _clean_env(
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="labportal.settings",
        LABPORTAL_VAR_DIR=str(tmp_path / "var"),
    )
    result = _manage(["check"], env)
    assert result.returncode != 0
    assert SECRET_KEY_MESSAGE in result.stderr


# --- Security headers and cookies in production, in a subprocess -----------------------------

RESPONSE_SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/accounts/login/", secure=True, headers={"host": "dx-lab.example.go.jp"})
plain = Client().get("/accounts/login/", headers={"host": "dx-lab.example.go.jp"})
print(json.dumps({
    "headers": dict(response.headers),
    "csrf_cookie": {"secure": bool(response.cookies["csrftoken"]["secure"]),
                    "samesite": response.cookies["csrftoken"]["samesite"]},
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                       settings.SESSION_COOKIE_SAMESITE],
    "plain_http": [plain.status_code, plain.get("Location")],
}))
"""


@pytest.fixture(scope="module")
def production_response(tmp_path_factory):
    """The login page as production settings (DEBUG=0, nothing else set) answer it."""
    tmp_path = tmp_path_factory.mktemp("production")
    env = _clean_env(
        DEBUG="0", SECRET_KEY=_random_secret_key(60), ALLOWED_HOSTS="dx-lab.example.go.jp",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3", DJANGO_SETTINGS_MODULE="labportal.settings",
        LABPORTAL_VAR_DIR=str(tmp_path / "var"), STATIC_MANIFEST="0",  # no collectstatic here
    )
    result = subprocess.run([sys.executable, "-c", RESPONSE_SCRIPT], cwd=ROOT, env=env, capture_output=True,
                            text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_content_security_policy(production_response):
    policy = dict((part.strip().split(" ", 1) + [""])[:2]
                  for part in production_response["headers"]["Content-Security-Policy"].split(";"))
    assert policy == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
        "font-src": "'self'", "connect-src": "'self'", "object-src": "'none'", "frame-src": "'none'",
        "base-uri": "'self'", "frame-ancestors": "'none'", "form-action": "'self'",
        "upgrade-insecure-requests": "", "report-uri": "/csp-report/", "report-to": "csp-endpoint",
    }


@pytest.mark.parametrize(("header", "value"), [
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
])
def test_production_security_header(production_response, header, value):
    assert production_response["headers"][header] == value


def test_production_cookies_secure_httponly_samesite(production_response):
    assert (production_response["csrf_cookie"], production_response["session_cookie"]) == (
        {"secure": True, "samesite": "Lax"}, [True, True, "Lax"])


def test_production_plain_http_redirected_to_https(production_response):
    assert production_response["plain_http"] == [301, "https://dx-lab.example.go.jp/accounts/login/"]
