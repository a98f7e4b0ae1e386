"""`make bench` (python -m bench.run): the national-scale benchmark of issue 7.

On PostgreSQL (database `labportal_bench`, created if missing) and Redis (a database number of
its own, 11), with the data set of `manage.py seed_scale`:

1. pages: gunicorn on 127.0.0.1 (2 × cores + 1 sync workers, DEBUG=0, SERVER_TIMING=1); each page
   is requested after a warm-up, then `samples` times one after the other; the server time and
   query count come from the Server-Timing header (labportal.middleware);
2. the limit: the same for bench_minimal (one indexed query, a small template), and each page as
   a ratio to it;
3. the deadline hour: 20 concurrent users doing 60 % section saves, 20 % submissions of distinct
   applications, 10 % application views, 10 % public pages, for a bounded time; then the same
   users on the minimal view;
4. jobs: 2 Celery workers (real `celery -A labportal worker` subprocesses) delivering mails to an
   aiosmtpd server in this process; one deadline sweep with every seeded outbox row due, then
   with nothing due;
5. memory: peak RSS (VmHWM) of the gunicorn workers and of the Celery workers.

Results go to bench/results/<date>-<commit>.json (`-small` for BENCH_SCALE=small) with a Markdown
table, printed at the end. Targets are reported, never asserted: the run fails only on errors
(a service that does not start, a page that does not answer).

Everything talks to 127.0.0.1 only; every loop is bounded in time and count.
"""

import argparse
import datetime
import json
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .client import Client, find_form, median, parse_forms, percentile, summary

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
FIXES = Path(__file__).resolve().parent / "fixes.json"
VAR = ROOT / "var" / "bench"

SCALES = {
    "small": {"seed": ["--small"], "warmup": 3, "samples": 10, "load_seconds": 10, "minimal_seconds": 5,
              "mails": 100, "save_sections": ["direction", "diversity", "other"]},
    "full": {"seed": [], "warmup": 10, "samples": 20, "load_seconds": 60, "minimal_seconds": 30, "mails": 1000,
             "save_sections": None},  # None: all seven sections
}
USERS = 20
MIX = {"section_save": 60, "submission": 20, "application_view": 10, "public_page": 10}
EDIT_SECTION = "direction"  # the page measurement's section: texts, KPIs and the roadmap

# Targets of issue 7 (reported, not asserted).
RANKING_MEDIAN_MS, RANKING_QUERIES = 500, 15
PAGE_MEDIAN_MS, PAGE_QUERIES = 150, 20
DEADLINE_P95_MS, THROUGHPUT_SHARE = 300, 0.40
MAILS_SECONDS, SWEEP_IDLE_MS, SWEEP_DUE_SECONDS = 30, 50, 10


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Processes ----------------------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM: the peak resident set size of a live process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def stop_group(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    except ProcessLookupError:
        pass


def run_command(args: list[str], env: dict, what: str) -> float:
    started = time.monotonic()
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    for line in result.stdout.strip().splitlines()[-12:]:
        log(f"  {line}")
    log(f"{what}: {elapsed:.1f} s")
    return elapsed


class Gunicorn:
    def __init__(self, env: dict, port: int, workers: int):
        self.env, self.port, self.workers = env, port, workers
        self.log_path = VAR / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        command = [sys.executable, "-m", "gunicorn", "labportal.wsgi:application", "--bind",
                   f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--timeout", "120",
                   "--graceful-timeout", "10"]
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        client = Client("127.0.0.1", self.port, timeout=5)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                if client.request("GET", "/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz within 90 s")

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def __exit__(self, *exc):
        if self.process is not None:
            stop_group(self.process)


class CeleryWorkers:
    """`count` worker subprocesses, each prefork with one child: `count` tasks at a time."""

    def __init__(self, env: dict, count: int):
        self.env, self.count = env, count
        self.processes: list[subprocess.Popen] = []
        self.logs = [VAR / f"celery-{i + 1}.log" for i in range(count)]

    def __enter__(self):
        for i, path in enumerate(self.logs):
            command = [sys.executable, "-m", "celery", "-A", "labportal", "worker", "--loglevel=INFO",
                       "--concurrency=1", "--pool=prefork", "--without-gossip", "--without-mingle",
                       "--without-heartbeat", "-n", f"bench{i + 1}@%h"]
            with open(path, "wb") as out:
                self.processes.append(subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out,
                                                       stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            for process, path in zip(self.processes, self.logs, strict=True):
                if process.poll() is not None:
                    raise SystemExit(f"celery worker exited:\n{path.read_text(errors='replace')[-3000:]}")
            if all(" ready." in path.read_text(errors="replace") for path in self.logs):
                return self
            time.sleep(0.2)
        raise SystemExit("celery workers not ready within 90 s")

    def memory(self) -> dict:
        parents = [peak_rss_mb(p.pid) for p in self.processes]
        pool = [peak_rss_mb(child) for p in self.processes for child in children(p.pid)]
        return {"pool_processes_peak_rss_mb": [m for m in pool if m],
                "main_processes_peak_rss_mb": [m for m in parents if m]}

    def __exit__(self, *exc):
        for process in self.processes:
            stop_group(process)


# --- The database and Django -----------------------------------------------------------------------

def ensure_database(url: str) -> None:
    import psycopg2
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                                  user=parts.username or "postgres", password=parts.password or None,
                                  dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")
    connection.close()


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import logging

    import django

    django.setup()
    # This process's own chatter (the SMTP server's, the services' INFO lines) would drown the report.
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("mail.log").setLevel(logging.WARNING)


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def create_sessions(users) -> dict[int, str]:
    """A signed-in session for each user, written in bulk: {user id: session key}."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    users = list(users)
    give_authenticators(users)
    store = SessionStore()
    expire = timezone.now() + datetime.timedelta(days=1)
    keys, rows = {}, []
    for user in users:
        key = "bench" + get_random_string(27, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(), **signed_in_marks(user)}
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys[user.pk] = key
    Session.objects.bulk_create(rows, batch_size=2000)
    return keys


def signed_in_marks(user) -> dict:
    """What the portal's login itself writes into a session (labportal.sessions.on_login and
    labportal.two_factor.check_at_login), so that a bench session is like one after a real
    login and its first page does not pay for the login's bookkeeping."""
    from labportal.sessions import AUTH_AT, SEEN_AT
    from labportal.two_factor import _CLEARED_SESSION_KEY, _stamp

    now = int(time.time())
    return {AUTH_AT: now, SEEN_AT: now, _CLEARED_SESSION_KEY: _stamp(user)}


def give_authenticators(users) -> None:
    """Staff and reviewers must have an authenticator app (labportal/two_factor.py), or every page
    sends them to its set-up: give those who have none one, as if they had enrolled."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from django.db.models import Q

    from labportal.models import User
    from labportal.two_factor import ROLES_REQUIRING_TWO_FACTOR

    # labportal.two_factor.two_factor_required, asked of all the run's users in one query
    required = (User.objects.filter(pk__in=[u.pk for u in users])
                .filter(Q(is_staff=True) | Q(is_superuser=True) | Q(groups__name__in=ROLES_REQUIRING_TWO_FACTOR))
                .exclude(authenticator__type=Authenticator.Type.TOTP).distinct())
    for user in required:
        TOTP.activate(user, generate_totp_secret())


def delete_sessions() -> None:
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key__startswith="bench")._raw_delete("default")


class Fixtures:
    """Who does what in the run: ids looked up once, sessions created for them."""

    def __init__(self):
        from applications.models import Application
        from bench.seed import OPEN_ROUND, REVIEW_ROUND, seeded_rounds
        from labportal.models import Lab, User
        from review.models import Review, RoundReviewSettings

        rounds = {r.number: r for r in seeded_rounds()}
        self.review_round, self.open_round = rounds[REVIEW_ROUND], rounds[OPEN_ROUND]
        self.drafts = list(Application.objects.filter(selection_round=self.open_round,
                                                      state=Application.State.DRAFT)
                           .order_by("pk").values_list("pk", "created_by_id"))
        self.reviewed = (Application.objects.filter(selection_round=self.review_round)
                         .order_by("pk").values_list("pk", "created_by_id").first())
        self.applications_in_round = Application.objects.filter(selection_round=self.review_round).count()
        review = (Review.objects.filter(application__selection_round=self.review_round, state=Review.State.DRAFT)
                  .order_by("reviewer_id", "pk").first())
        self.review_pk, self.reviewer_id = review.pk, review.reviewer_id
        self.staff = User.objects.get(email__startswith="staff@", email__endswith="bench.labportal.example")
        self.settings_pk = RoundReviewSettings.objects.get(selection_round=self.review_round).pk
        self.lab_pk = Lab.objects.order_by("pk").values_list("pk", flat=True).first()
        ids = {user_id for _, user_id in self.drafts} | {self.reviewed[1], self.reviewer_id, self.staff.pk}
        self.sessions = create_sessions(User.objects.filter(pk__in=ids))


# --- Pages ------------------------------------------------------------------------------------------

class Pages:
    def __init__(self, client: Client, fixtures: Fixtures, csrf: tuple[str, str], scale: dict):
        self.client, self.f, self.scale = client, fixtures, scale
        self.csrf_cookie, self.csrf_token = csrf
        # Drafts: the first USERS are edited (the deadline hour's users, and the page measurement's
        # section saves); the others are submitted, each once.
        self.editing = fixtures.drafts[:USERS]
        self.to_submit = deque(fixtures.drafts[USERS:])
        self.submitted: list[int] = []

    def cookies(self, user_id: int | None) -> dict:
        cookies = {"csrftoken": self.csrf_cookie}
        if user_id is not None:
            cookies["sessionid"] = self.f.sessions[user_id]
        return cookies

    def get(self, path: str, user_id: int | None = None):
        return self.client.request("GET", path, cookies=self.cookies(user_id))

    def section_form(self, application_pk: int, user_id: int, key: str):
        path = f"/applications/{application_pk}/sections/{key}/"
        response = self.get(path, user_id)
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status}")
        form = find_form(response.text, having="version")
        form.replace("csrfmiddlewaretoken", self.csrf_token)
        text_field = next(name for name, value in form.fields
                          if name not in ("csrfmiddlewaretoken", "version") and "-" not in name and len(value) > 50)
        return path, form, text_field, form.get(text_field)

    def save_request(self, path, form, text_field, base_text, version: int, serial: int, user_id: int):
        form.replace("version", str(version))
        form.replace(text_field, f"{base_text}［更新{serial}］")
        return self.client.request("POST", path, cookies=self.cookies(user_id), data=form.fields)

    def submit_request(self, draft):
        application_pk, user_id = draft
        self.submitted.append(application_pk)
        return self.client.request("POST", f"/applications/{application_pk}/submit/", cookies=self.cookies(user_id),
                                   data=[("csrfmiddlewaretoken", self.csrf_token)])

    def definitions(self) -> list[dict]:
        f = self.f
        applicant_pk, applicant = self.editing[0]
        reviewed_pk, reviewed_user = f.reviewed
        save = {"state": None, "serial": 0}

        def section_save():
            if save["state"] is None:
                path, form, text_field, base = self.section_form(applicant_pk, applicant, EDIT_SECTION)
                save["state"] = [path, form, text_field, base, int(form.get("version"))]
            path, form, text_field, base, version = save["state"]
            save["serial"] += 1
            response = self.save_request(path, form, text_field, base, version, save["serial"], applicant)
            if response.status == 302:
                save["state"][4] += 1
            return response

        def submission():
            return self.submit_request(self.to_submit.popleft())

        return [
            {"name": "public_directory", "label": "公開: ラボ一覧", "path": "/labs/",
             "run": lambda: self.get("/labs/")},
            {"name": "opendata_csv", "label": "オープンデータ CSV（全ラボ）", "path": "/opendata/labs.csv",
             "run": lambda: self.get("/opendata/labs.csv")},
            {"name": "applicant_dashboard", "label": "申請者: ダッシュボード", "path": "/applications/",
             "run": lambda: self.get("/applications/", reviewed_user)},
            {"name": "application_view", "label": "申請者: 申請の概要", "path": f"/applications/{reviewed_pk}/",
             "run": lambda: self.get(f"/applications/{reviewed_pk}/", reviewed_user)},
            {"name": "application_full", "label": "申請者: 申請書の全文（印刷用）",
             "path": f"/applications/{reviewed_pk}/print/",
             "run": lambda: self.get(f"/applications/{reviewed_pk}/print/", reviewed_user)},
            {"name": "section_save", "label": "申請者: 項目の保存（POST）", "expect": 302,
             "path": f"/applications/{applicant_pk}/sections/{EDIT_SECTION}/", "run": section_save},
            {"name": "submission", "label": "申請者: 提出（POST、毎回別の申請）", "expect": 302,
             "path": "/applications/<pk>/submit/", "run": submission},
            {"name": "reviewer_changelist", "label": "審査員: 担当する審査の一覧（管理画面）",
             "path": "/admin/review/assignedreview/",
             "run": lambda: self.get("/admin/review/assignedreview/", f.reviewer_id)},
            {"name": "review_page", "label": "審査員: 審査（採点）ページ",
             "path": f"/admin/review/assignedreview/{f.review_pk}/change/",
             "run": lambda: self.get(f"/admin/review/assignedreview/{f.review_pk}/change/", f.reviewer_id)},
            {"name": "staff_ranking", "label": f"事務局: ランキング（全{f.applications_in_round}件）",
             "path": f"/admin/review/roundreviewsettings/{f.settings_pk}/ranking/", "ranking": True,
             "run": lambda: self.get(f"/admin/review/roundreviewsettings/{f.settings_pk}/ranking/", f.staff.pk)},
            {"name": "staff_application_list", "label": "事務局: 申請一覧（管理画面）",
             "path": "/admin/applications/application/",
             "run": lambda: self.get("/admin/applications/application/", f.staff.pk)},
            {"name": "transition_dashboard", "label": "事務局: 移行状況ダッシュボード", "path": "/transition/dashboard/",
             "run": lambda: self.get("/transition/dashboard/", f.staff.pk)},
        ]

    def minimal(self) -> dict:
        return {"name": "minimal", "label": "基準: 最小のビュー（索引1回＋小さなテンプレート）", "path": "/bench/minimal/",
                "run": lambda: self.get("/bench/minimal/")}

    def measure(self, page: dict) -> dict:
        expect = page.get("expect", 200)
        errors = []
        for _ in range(self.scale["warmup"]):
            response = page["run"]()
            if response.status != expect:
                errors.append(f"warm-up: {response.status}")
        responses = [page["run"]() for _ in range(self.scale["samples"])]
        errors += [f"{r.status}" for r in responses if r.status != expect]
        if errors:
            raise SystemExit(f"{page['name']} ({page['path']}): unexpected statuses {errors[:5]} "
                             f"(expected {expect}); see var/bench/gunicorn.log")
        queries = [r.queries for r in responses]
        return {
            "name": page["name"], "label": page["label"], "path": page["path"],
            "method": "POST" if expect == 302 else "GET", "samples": len(responses),
            "median_ms": round(median(r.app_ms for r in responses), 2),
            "p95_ms": round(percentile([r.app_ms for r in responses], 95), 2),
            "db_median_ms": round(median(r.db_ms for r in responses), 2),
            "client_median_ms": round(median(r.wall_ms for r in responses), 2),
            "queries": max(queries), "queries_min": min(queries),
            "bytes": int(median(len(r.body) for r in responses)),
            "ranking": bool(page.get("ranking")),
        }


# --- The deadline hour --------------------------------------------------------------------------------

class VirtualUser:
    def __init__(self, pages: Pages, draft, index: int):
        self.pages = pages
        self.application_pk, self.user_id = draft
        self.rng = random.Random(1000 + index)
        self.forms = {}
        self.serial = 0

    def prepare(self, keys) -> None:
        for key in keys:
            path, form, text_field, base = self.pages.section_form(self.application_pk, self.user_id, key)
            self.forms[key] = [path, form, text_field, base, int(form.get("version"))]

    def act(self, op: str, public_paths: list[str]):
        pages = self.pages
        if op == "submission":
            try:
                draft = pages.to_submit.popleft()
            except IndexError:
                return "submission_exhausted", None
            return op, pages.submit_request(draft)
        if op == "section_save":
            key = self.rng.choice(list(self.forms))
            state = self.forms[key]
            path, form, text_field, base, version = state
            self.serial += 1
            response = pages.save_request(path, form, text_field, base, version, self.serial, self.user_id)
            if response.status == 302:
                state[4] += 1
            return op, response
        if op == "application_view":
            return op, pages.get(f"/applications/{self.application_pk}/", self.user_id)
        if op == "public_page":
            return op, pages.get(self.rng.choice(public_paths))
        return op, pages.get("/bench/minimal/")


EXPECTED = {"section_save": 302, "submission": 302, "application_view": 200, "public_page": 200, "minimal": 200}


def deadline_hour(users: list[VirtualUser], seconds: float, mix: dict, public_paths: list[str]) -> dict:
    ops, weights = list(mix), list(mix.values())
    records, lock = [], threading.Lock()
    errors: list[str] = []
    exhausted = [0]
    started = time.monotonic()
    deadline = started + seconds

    def work(user: VirtualUser):
        local = []
        while time.monotonic() < deadline:
            op = user.rng.choices(ops, weights)[0]
            try:
                op, response = user.act(op, public_paths)
                if op == "submission_exhausted":
                    exhausted[0] += 1
                    op, response = user.act("section_save", public_paths)
            except OSError as error:
                with lock:
                    errors.append(f"{op}: {error!r}")
                continue
            ok = response.status == EXPECTED[op]
            if not ok:
                with lock:
                    errors.append(f"{op}: HTTP {response.status}")
            local.append((op, ok, response.wall_ms, response.app_ms))
        with lock:
            records.extend(local)

    threads = [threading.Thread(target=work, args=(u,), daemon=True) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)  # bounded: a hung request times out (60 s) long before this
    elapsed = time.monotonic() - started
    by_op = {}
    for op in sorted({r[0] for r in records}):
        rows = [r for r in records if r[0] == op]
        by_op[op] = {"requests": len(rows), "errors": sum(1 for r in rows if not r[1]),
                     "client_ms": summary(r[2] for r in rows), "server_ms": summary(r[3] for r in rows)}
    return {
        "users": len(users), "seconds": round(elapsed, 2), "requests": len(records),
        "throughput_rps": round(len(records) / elapsed, 1), "errors": len(errors),
        "error_samples": errors[:10], "submissions_exhausted": exhausted[0],
        "client_ms": summary(r[2] for r in records), "server_ms": summary(r[3] for r in records),
        "by_operation": by_op,
    }


# --- Jobs ------------------------------------------------------------------------------------------------

class SMTPSink:
    def __init__(self, port: int):
        from aiosmtpd.controller import Controller

        self.count = 0
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.count += 1
        return "250 OK"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def flush_broker(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def mails_job(env: dict, count: int, sink: SMTPSink) -> dict:
    from django.db import connection, transaction

    from labportal.models import OutboxMail, User
    from labportal.services import MailRequest, Recipient, notify_many, outbox_send

    from .seed import DOMAIN, JOB_OUTBOX_PREFIX

    run_id = secrets.token_hex(4)
    recipients = list(User.objects.filter(email__startswith="applicant", email__endswith="@" + DOMAIN)
                      .order_by("pk")[:count])
    context = {"organisation_name": "ベンチ市", "lab_name": "ベンチ市地域DX推進ラボ", "round_name": "第92弾",
               "closes_at": "", "receipt_number": "DX-2026-92-0001", "state": "提出済", "url": "http://127.0.0.1/",
               "submitted_at": datetime.datetime.now(datetime.UTC).isoformat(), "version": 1,
               "resubmission": False}
    requests = [MailRequest(event="applications_submitted", to=Recipient.of(recipients[i % len(recipients)]),
                            dedup_key=f"{JOB_OUTBOX_PREFIX}{run_id}:{i}", context=context) for i in range(count)]
    flush_broker(env["CELERY_BROKER_URL"])
    received_before = sink.count
    with CeleryWorkers(env, 2) as workers:
        with transaction.atomic():
            rows = notify_many(requests)  # rendered and written now; enqueued when this commits
            ids = [row.pk for row in rows]
            started = time.monotonic()
        enqueued = time.monotonic() - started
        sent = 0
        deadline = started + 180
        job = OutboxMail.objects.filter(dedup_key__startswith=f"applications_submitted:{JOB_OUTBOX_PREFIX}{run_id}:",
                                        state=OutboxMail.State.SENT)
        while time.monotonic() < deadline:
            # A light look four times a second: polling harder takes CPU from the workers measured.
            sent = job.count()
            if sent >= len(ids):
                break
            time.sleep(0.25)
        elapsed = time.monotonic() - started
        memory = workers.memory()
    failed = OutboxMail.objects.filter(pk__in=ids).exclude(state=OutboxMail.State.SENT).count()
    # The queries of one mail's send task, measured here on one more mail (no worker running).
    with transaction.atomic():
        one = notify_many([MailRequest(event="applications_submitted", to=Recipient.of(recipients[0]),
                                       dedup_key=f"{JOB_OUTBOX_PREFIX}{run_id}:single", context=context)])
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        outcome = outbox_send(mail_id=one[0].pk)
    flush_broker(env["CELERY_BROKER_URL"])
    return {"mails": len(ids), "workers": 2, "seconds": round(elapsed, 2), "enqueue_seconds": round(enqueued, 2),
            "delivered": sent, "not_delivered": failed, "smtp_received": sink.count - received_before,
            "mails_per_second": round(sent / elapsed, 1) if elapsed else None,
            "queries_per_mail": counter.count, "single_send_state": getattr(outcome, "state", None),
            "memory": memory}


def sweep_job(env: dict) -> dict:
    from django.db import connection

    from labportal import clock

    from .seed import outbox_mark_lost, outbox_mark_sent

    def timed_sweep():
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            report = clock.sweep()
            elapsed = time.perf_counter() - started
        if report is None:
            raise SystemExit("the sweep's lock is held by another sweep")
        if report.failed:
            raise SystemExit(f"sweep handlers failed: {report.failed}")
        return elapsed, counter.count, report

    flush_broker(env["CELERY_BROKER_URL"])
    due = outbox_mark_lost()
    busy_seconds, busy_queries, busy_report = timed_sweep()
    flush_broker(env["CELERY_BROKER_URL"])  # the re-enqueued tasks: no worker is to send them now
    idle = [timed_sweep() for _ in range(5)]
    acted_idle = [sum(r.acted.values()) for _, _, r in idle]
    outbox_mark_sent()
    return {
        "due": {"rows": due, "seconds": round(busy_seconds, 3), "queries": busy_queries, "acted": busy_report.acted},
        "none_due": {"runs": len(idle), "median_ms": round(median(t * 1000 for t, _, _ in idle), 2),
                     "max_ms": round(max(t * 1000 for t, _, _ in idle), 2), "queries": idle[-1][1],
                     "acted": max(acted_idle)},
    }


# --- Results --------------------------------------------------------------------------------------------

def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def targets(results: dict) -> list[dict]:
    checks = []
    for page in results["pages"]:
        if page["ranking"]:
            limit_ms, limit_q = RANKING_MEDIAN_MS, RANKING_QUERIES
        else:
            limit_ms, limit_q = PAGE_MEDIAN_MS, PAGE_QUERIES
        checks.append({"target": f"{page['name']}: median ≤ {limit_ms} ms, ≤ {limit_q} queries",
                       "value": f"{page['median_ms']} ms, {page['queries']} queries",
                       "met": page["median_ms"] <= limit_ms and page["queries"] <= limit_q})
    mix, ratio = results["deadline_hour"]["mix"], results["deadline_hour"]["throughput_ratio"]
    ops = mix["by_operation"]
    checks.append({"target": "deadline hour: no error", "value": f"{mix['errors']} errors", "met": mix["errors"] == 0})
    for op in ("section_save", "submission"):
        p95 = ops.get(op, {}).get("client_ms", {}).get("p95")
        checks.append({"target": f"deadline hour: {op} p95 ≤ {DEADLINE_P95_MS} ms (client side)",
                       "value": f"{p95} ms", "met": p95 is not None and p95 <= DEADLINE_P95_MS})
    checks.append({"target": f"deadline hour: throughput ≥ {THROUGHPUT_SHARE:.0%} of the minimal view's",
                   "value": f"{ratio:.0%}", "met": ratio >= THROUGHPUT_SHARE})
    mails = results["jobs"]["mails"]
    checks.append({"target": f"{mails['mails']} mails by 2 workers ≤ {MAILS_SECONDS} s",
                   "value": f"{mails['seconds']} s", "met": mails["not_delivered"] == 0 and mails["seconds"] <= MAILS_SECONDS})
    sweep = results["jobs"]["sweep"]
    checks.append({"target": f"sweep with nothing due ≤ {SWEEP_IDLE_MS} ms", "value": f"{sweep['none_due']['median_ms']} ms",
                   "met": sweep["none_due"]["median_ms"] <= SWEEP_IDLE_MS})
    checks.append({"target": f"sweep with {sweep['due']['rows']} due ≤ {SWEEP_DUE_SECONDS} s",
                   "value": f"{sweep['due']['seconds']} s", "met": sweep["due"]["seconds"] <= SWEEP_DUE_SECONDS})
    return checks


def compare_query_counts(results: dict, scale: str) -> dict | None:
    """The query count of each page against the latest result of the other scale: the counts must
    not grow with the data."""
    other = sorted((p for p in RESULTS.glob("*.json")
                    if p.stem.endswith("-small") != (scale == "small")), key=lambda p: p.stat().st_mtime)
    if not other:
        return None
    previous = json.loads(other[-1].read_text())
    before = {p["name"]: p["queries"] for p in previous.get("pages", [])}
    differing = {p["name"]: {"this": p["queries"], "other": before[p["name"]]}
                 for p in results["pages"] if p["name"] in before and before[p["name"]] != p["queries"]}
    return {"compared_with": other[-1].name, "differing": differing}


def markdown(results: dict) -> str:
    meta = results["meta"]
    limit = results["limit"]
    lines = [f"### Benchmark {meta['date']} ({meta['scale']}, commit {meta['commit']})", "",
             f"{meta['applications_in_round']} applications in the ranked round; gunicorn {meta['gunicorn_workers']} "
             f"workers on {meta['cores']} cores; load average {meta['load_average_start']} → "
             f"{meta['load_average_end']}.", "",
             "| page | median ms | p95 ms | × minimal | queries | KB | target | met |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    for page in [*results["pages"], limit]:
        is_limit = page is limit
        target = "—" if is_limit else (f"≤ {RANKING_MEDIAN_MS} ms, ≤ {RANKING_QUERIES} q" if page["ranking"]
                                       else f"≤ {PAGE_MEDIAN_MS} ms, ≤ {PAGE_QUERIES} q")
        met = "—" if is_limit else ("yes" if page["median_ms"] <= (RANKING_MEDIAN_MS if page["ranking"] else PAGE_MEDIAN_MS)
                                    and page["queries"] <= (RANKING_QUERIES if page["ranking"] else PAGE_QUERIES) else "**no**")
        lines.append(f"| {page['label']} | {page['median_ms']:.1f} | {page['p95_ms']:.1f} | "
                     f"{page.get('ratio_to_minimal', 1.0):.1f} | {page['queries']} | {page['bytes'] / 1024:.1f} | "
                     f"{target} | {met} |")
    mix, minimal = results["deadline_hour"]["mix"], results["deadline_hour"]["minimal"]
    lines += ["", "| deadline hour (20 users) | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for name, run in (("mix", mix), ("minimal view", minimal)):
        c = run["client_ms"]
        lines.append(f"| {name} | {run['requests']} | {run['throughput_rps']} | {c['median']} | {c['p95']} | "
                     f"{c['p99']} | {run['errors']} |")
    for op, row in mix["by_operation"].items():
        c = row["client_ms"]
        lines.append(f"| · {op} | {row['requests']} | | {c['median']} | {c['p95']} | {c['p99']} | {row['errors']} |")
    lines.append(f"\nThroughput of the mix: {results['deadline_hour']['throughput_ratio']:.0%} of the minimal view's.")
    jobs = results["jobs"]
    mails, sweep = jobs["mails"], jobs["sweep"]
    lines += ["", "| job | time | queries |", "|---|---:|---:|",
              f"| {mails['mails']} mails, 2 Celery workers → aiosmtpd | {mails['seconds']} s | {mails['queries_per_mail']} per mail |",
              f"| sweep, {sweep['due']['rows']} outbox rows due | {sweep['due']['seconds']} s | {sweep['due']['queries']} |",
              f"| sweep, nothing due | {sweep['none_due']['median_ms']} ms | {sweep['none_due']['queries']} |"]
    memory = results["memory"]
    lines += ["", f"Peak RSS: gunicorn worker {memory['gunicorn_worker_peak_rss_mb']} MB (max of "
              f"{len(memory['gunicorn_workers_peak_rss_mb'])}); Celery pool process "
              f"{max(memory['celery']['pool_processes_peak_rss_mb'] or [0])} MB, main process "
              f"{max(memory['celery']['main_processes_peak_rss_mb'] or [0])} MB."]
    missed = [t for t in results["targets"] if not t["met"]]
    lines.append(f"\nTargets met: {sum(t['met'] for t in results['targets'])}/{len(results['targets'])}"
                 + ("" if not missed else "; missed: " + "; ".join(f"{t['target']} ({t['value']})" for t in missed)))
    return "\n".join(lines) + "\n"


# --- Main -----------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("BENCH_SCALE") or "full")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labportal_bench"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    parser.add_argument("--load-seconds", type=float, default=None, help="the deadline hour's length")
    parser.add_argument("--no-write", action="store_true", help="print the results only")
    args = parser.parse_args(argv)
    scale = dict(SCALES[args.scale])
    if args.load_seconds:
        scale["load_seconds"] = min(args.load_seconds, 300)
        scale["minimal_seconds"] = min(args.load_seconds / 2, 150)
    load_start = round(os.getloadavg()[0], 2)
    started = time.monotonic()
    VAR.mkdir(parents=True, exist_ok=True)
    port, smtp_port = free_port(), free_port()
    workers = 2 * (os.cpu_count() or 1) + 1
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CELERY_", "EMAIL_", "OUTBOX_", "CLOCK_", "DJANGO_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "labportal.settings", "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.redis_url, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "CACHE_URL": args.redis_url.rsplit("/", 1)[0] + "/12",  # shared by the workers, as in production
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        "SERVER_TIMING": "1", "BENCH_ENDPOINTS": "1", "SITE_URL": f"http://127.0.0.1:{port}",
        "LABPORTAL_VAR_DIR": str(VAR), "MEDIA_ROOT": str(VAR / "media"), "STATIC_ROOT": str(VAR / "static"),
        "PYTHONUNBUFFERED": "1",
    })
    log(f"scale {args.scale}; PostgreSQL {args.database_url}; Redis {args.redis_url}; load average {load_start}")
    ensure_database(args.database_url)
    timings = {"migrate_seconds": run_command(["manage.py", "migrate", "--noinput", "-v0"], env, "migrate"),
               "collectstatic_seconds": run_command(["manage.py", "collectstatic", "--noinput", "-v0"], env,
                                                    "collectstatic"),
               "seed_seconds": run_command(["manage.py", "seed_scale", *scale["seed"]], env, "seed_scale")}
    setup_django(env)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics of a database in service, not of fresh bulk inserts
        cursor.execute("SELECT version()")
        postgres_version = cursor.fetchone()[0].split(" on ")[0]
    fixtures = Fixtures()
    client = Client("127.0.0.1", port)
    results = {"meta": {}, "pages": [], "fixes": []}
    try:
        with Gunicorn(env, port, workers) as server:
            log(f"gunicorn: {workers} workers on 127.0.0.1:{port}")
            login = client.request("GET", "/accounts/login/")
            csrf = (login.cookie("csrftoken"), find_form(login.text, having="csrfmiddlewaretoken").get(
                "csrfmiddlewaretoken"))
            pages = Pages(client, fixtures, csrf, scale)
            for page in pages.definitions():
                results["pages"].append(pages.measure(page))
                p = results["pages"][-1]
                log(f"{p['name']}: median {p['median_ms']} ms, p95 {p['p95_ms']} ms, {p['queries']} queries, "
                    f"{p['bytes']} bytes")
            limit = pages.measure(pages.minimal())
            log(f"minimal: median {limit['median_ms']} ms, {limit['queries']} queries")
            for page in results["pages"]:
                page["ratio_to_minimal"] = round(page["median_ms"] / limit["median_ms"], 1)
            limit["ratio_to_minimal"] = 1.0
            results["limit"] = limit

            log(f"deadline hour: preparing {USERS} users")
            users = [VirtualUser(pages, draft, i) for i, draft in enumerate(pages.editing)]
            from applications.models import SECTION_KEYS

            keys = scale["save_sections"] or list(SECTION_KEYS)
            with ThreadPoolExecutor(max_workers=workers) as pool:  # each user opens its forms once
                list(pool.map(lambda user: user.prepare(keys), users))
            public = ["/", "/labs/", f"/labs/{fixtures.lab_pk}/"]
            log(f"deadline hour: mix for {scale['load_seconds']} s")
            mix = deadline_hour(users, scale["load_seconds"], MIX, public)
            log(f"  {mix['requests']} requests, {mix['throughput_rps']} req/s, p95 {mix['client_ms']['p95']} ms, "
                f"{mix['errors']} errors")
            minimal = deadline_hour(users, scale["minimal_seconds"], {"minimal": 1}, public)
            log(f"  minimal: {minimal['throughput_rps']} req/s, p95 {minimal['client_ms']['p95']} ms")
            results["deadline_hour"] = {"mix": mix, "minimal": minimal,
                                        "throughput_ratio": round(mix["throughput_rps"] / minimal["throughput_rps"], 3)}
            web_memory = [peak_rss_mb(pid) for pid in server.worker_pids()]
        from applications.models import Application

        submitted = list(Application.objects.filter(pk__in=pages.submitted).values_list("state", flat=True))
        results["submissions_verified"] = {
            "posted": len(pages.submitted),
            "submitted": sum(1 for s in submitted if s == Application.State.SUBMITTED)}
        log(f"submissions: {results['submissions_verified']}")

        with SMTPSink(smtp_port) as sink:
            log(f"jobs: {scale['mails']} mails by 2 Celery workers")
            mails = mails_job(env, scale["mails"], sink)
            log(f"  {mails['delivered']}/{mails['mails']} in {mails['seconds']} s")
        sweep = sweep_job(env)
        log(f"sweep: {sweep['due']['rows']} due in {sweep['due']['seconds']} s ({sweep['due']['queries']} queries); "
            f"none due {sweep['none_due']['median_ms']} ms ({sweep['none_due']['queries']} queries)")
        results["jobs"] = {"mails": mails, "sweep": sweep}
        results["memory"] = {"gunicorn_workers_peak_rss_mb": [m for m in web_memory if m],
                             "gunicorn_worker_peak_rss_mb": max((m for m in web_memory if m), default=None),
                             "celery": mails.pop("memory")}
    finally:
        delete_sessions()
    import django

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    results["meta"] = {
        "date": datetime.date.today().isoformat(), "commit": commit, "dirty": bool(git("status", "--porcelain")),
        "scale": args.scale, "cores": os.cpu_count(), "gunicorn_workers": workers, "users": USERS,
        "samples_per_page": scale["samples"], "warmup_per_page": scale["warmup"],
        "sections_saved": scale["save_sections"] or "all",
        "load_seconds": scale["load_seconds"], "minimal_seconds": scale["minimal_seconds"],
        "applications_in_round": fixtures.applications_in_round, "drafts": len(fixtures.drafts),
        "python": platform.python_version(), "django": django.get_version(), "postgresql": postgres_version,
        "load_average_start": load_start, "load_average_end": round(os.getloadavg()[0], 2),
        "run_seconds": round(time.monotonic() - started, 1), **timings,
        "server_time": "Server-Timing app;dur (the whole Django stack, middleware included)",
        "deadline_hour_latency": "client side: connection, gunicorn's queue and the response",
    }
    results["targets"] = targets(results)
    results["query_counts_vs_other_scale"] = compare_query_counts(results, args.scale)
    if FIXES.exists():
        results["fixes"] = json.loads(FIXES.read_text())
    table = markdown(results)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        stem = f"{results['meta']['date']}-{commit}" + ("-small" if args.scale == "small" else "")
        (RESULTS / f"{stem}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
        (RESULTS / f"{stem}.md").write_text(table)
        log(f"results: {RESULTS / stem}.json")
    print()
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
