"""Integration fixtures: a real SMTP server and a real Celery worker on the test database.

The worker is `python -m celery -A labportal worker`, a subprocess with the production settings
(labportal.settings, DEBUG=1) pointed at pytest-django's PostgreSQL test database, a Redis
database of its own (settings.TEST_BROKER_URL, emptied first) and the SMTP sink. Tests use
`transactional_db` so that what they write is committed and visible to the worker. Short time
limits and retry delays (WORKER_ENV) keep the fault cases to seconds.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from .smtp_sink import SMTPSink

# Time limit 6 s, so a mail 送信中 for 7 s lost its worker; retries after 0.5–1 s; a sweep a second.
# The limits leave the tests seconds to kill a worker before its own timeouts would act.
WORKER_ENV = {
    "CELERY_TASK_SOFT_TIME_LIMIT": "5",
    "CELERY_TASK_TIME_LIMIT": "6",
    "OUTBOX_STUCK_SECONDS": "7",
    "OUTBOX_RETRY_BASE_SECONDS": "0.5",
    "OUTBOX_RETRY_MAX_SECONDS": "1",
    "CLOCK_SWEEP_SECONDS": "1",
    "EMAIL_TIMEOUT": "5",
}
DELIVERY_TIMEOUT = 30  # seconds: an upper bound for polling, never a wait in itself


def wait_until(condition, timeout=DELIVERY_TIMEOUT, interval=0.05, message="条件"):
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"{timeout} 秒待っても {message() if callable(message) else message} が満たされませんでした")


class Worker:
    """A Celery worker subprocess (its own process group, so SIGKILL takes its children too)."""

    def __init__(self, env: dict, directory: Path):
        self.env = env
        self.directory = directory
        self.log_path = directory / "worker.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, *, beat: bool = False, concurrency: int = 2) -> "Worker":
        self.starts += 1
        command = [sys.executable, "-m", "celery", "-A", "labportal", "worker", "--loglevel=INFO",
                   f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-n", f"integration{self.starts}@%h"]
        if beat:
            command += ["--beat", f"--schedule={self.directory / f'beat-schedule-{self.starts}'}"]
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: self._ready_since(offset), timeout=60, interval=0.1,
                   message="Celery worker の起動")
        return self

    def _ready_since(self, offset: int) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"Celery worker が終了しました:\n{self.log()}")
        return " ready." in self.log()[offset:]

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a power cut would: no clean-up of any kind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        # A warm shutdown would only cost seconds per test: the next test empties the broker.
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def succeeded(self, task_name: str) -> int:
        """How many runs of `task_name` the worker logged as succeeded."""
        return sum(1 for line in self.log().splitlines()
                   if f"Task {task_name}[" in line and " succeeded in " in line)


@pytest.fixture
def register(transactional_db):
    """The role groups and the programmes, whatever an earlier transactional test left behind.

    A transactional test ends with a flush that empties every table (and, unless it used
    serialized_rollback, re-creates only content types, permissions and groups); restoring the
    serialized contents after such a flush collides with those re-created rows. These tests
    therefore use neither and make what they need, idempotently.
    """
    from labportal.models import Programme
    from labportal.roles import sync_roles
    from labportal.seed_data import PROGRAMMES

    sync_roles()
    for code, data in PROGRAMMES.items():
        Programme.objects.update_or_create(code=code, defaults=data)


@pytest.fixture(scope="session")
def smtp_server():
    sink = SMTPSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp(smtp_server):
    """The SMTP sink, running, empty and well-behaved at the start of each test."""
    smtp_server.reset()
    if smtp_server._controller is None:
        smtp_server.start()
    yield smtp_server
    smtp_server.release()  # a handler still hanging must finish before the next test


def _database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db, register, smtp, tmp_path):
    """A Celery worker, not yet started: `worker.start(beat=...)`; stopped after the test."""
    import redis

    redis.Redis.from_url(settings.TEST_BROKER_URL).flushdb()  # no message of an earlier test
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "EMAIL_", "OUTBOX_", "CLOCK_"))},
        "DJANGO_SETTINGS_MODULE": "labportal.settings",
        "DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.TEST_BROKER_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "LABPORTAL_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **WORKER_ENV,
    }
    process = Worker(env, tmp_path)
    yield process
    process.stop()
