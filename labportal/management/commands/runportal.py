"""`make run`: migrate, create the demo data once, then serve the web and a Celery worker with beat.

Ctrl-C stops them all. Running it again is safe: migrations and demo data are idempotent.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import BaseCommand, call_command


class Command(BaseCommand):
    help = "ポータル（Web・Celery worker・beat）を起動します。Ctrl-C で全て停止します。"

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("RUN_ADDR", "127.0.0.1:8000"))

    def handle(self, *args, addr, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        (settings.VAR_DIR / "mail").mkdir(exist_ok=True)
        (settings.VAR_DIR / "celery").mkdir(exist_ok=True)
        from labportal.celery import ensure_broker_folders

        ensure_broker_folders()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("demo_data")

        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children = [
            subprocess.Popen([*manage, "runserver", addr]),
            subprocess.Popen([sys.executable, "-m", "celery", "-A", "labportal", "worker", "--beat",
                              "--concurrency=1", "--loglevel=INFO",
                              f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}"],
                             cwd=settings.BASE_DIR),
        ]
        self.stdout.write(self.style.SUCCESS(
            f"ポータル: http://{addr}/  管理画面: http://{addr}/admin/  "
            f"メール: {settings.VAR_DIR / 'mail'}（停止は Ctrl-C）"))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT, None)]
        if failed:
            sys.exit(1)
