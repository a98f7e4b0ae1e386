"""`make faults` (python -m bench.faults): the deadline hour with faults, and nothing lost.

On private services started here and removed at the end (never the shared PostgreSQL and Redis
on 5432 / 6379): a PostgreSQL cluster (initdb + pg_ctl in a temporary directory, as the
`postgres` user when run as root), a redis-server without persistence, gunicorn, two Celery
workers, Celery beat (the clock's sweep) and an SMTP server in this process — all on 127.0.0.1.
The database gets `migrate` and the benchmark's data set (`seed_scale`).

Load: 20 users take the organisations of the deadline round one after the other, paced over the
run; for each, save some sections and submit. A request that fails is sent again after a pause,
as a person would (bounded in time); every answer is recorded.

Faults, one after the other while the load runs:
  (a) Redis stopped (its data gone: no persistence) for `fault_seconds`, then started again;
  (b) the Celery workers killed with SIGKILL (while a mail is 送信中 if one is), then restarted;
  (c) the SMTP server refusing (451 to RCPT or to the message) for half of `fault_seconds`,
      then closed (connection refused) for the other half;
  (d) PostgreSQL stopped (fast shutdown) for `pg_down_seconds`, then started.

Checked at the end (the run fails if any check fails):
  - every organisation's application is submitted exactly once: state 提出済, one 提出 event,
    one version, a receipt number, receipt numbers unique in the round;
  - every section save that was answered is in the section's version (none lost), and no save
    was applied twice beyond the requests whose answer was lost;
  - every receipt mail (one per member) is 送信済 and the SMTP server received it exactly once
    (counted by Message-ID, which derives from the outbox row's dedup key);
  - no 5xx answer except the portal's Japanese 503 page while PostgreSQL is down (and a few
    seconds after), and no other unexpected answer.

Results: a Markdown report (printed) and bench/results/faults-<date>-<commit>[-small].json.
Everything talks to 127.0.0.1 only; every loop is bounded in time and count.
"""

import argparse
import asyncio
import contextlib
import datetime
import email
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from .client import Client, find_form, summary
from .run import (CeleryWorkers, Fixtures, Gunicorn, Pages, SMTPSink, free_port, git, log,
                  setup_django, stop_group)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
LOGS = ROOT / "var" / "faults"  # the services' logs of the last run, kept for a look after a failure
# Debian's server binaries (initdb, pg_ctl are not on PATH there); the newest installed version.
PG_BIN = Path(os.environ.get("FAULTS_PG_BIN")
              or max(glob.glob("/usr/lib/postgresql/*/bin"), default="/usr/lib/postgresql/15/bin"))

USERS = 20
SAVE_SECTIONS = ["direction", "diversity", "other"]
ERROR_PAGE_TEXT = "もう一度お試しください"  # templates/500.html, in both of its forms
STALE = "save refused as stale (409)"  # expected only when an earlier try's answer was lost
# The retries (OUTBOX_MAX_ATTEMPTS stays 8, as in production) must outlast the SMTP fault with
# attempts to spare: with a base of 1 s (small) or 2 s (full) some mails needed 7 of the 8.
SCALES = {
    # ≤ 3 minutes in all on a shared two-core machine (CI); full: about 4½ minutes.
    "small": {"seed": ["--small"], "organisations": 60, "saves": 1, "gap": 5, "fault_seconds": 15,
              "pg_down_seconds": 4, "tail_seconds": 5, "drain_seconds": 90, "request_patience": 60,
              "retry_base": 2, "retry_max": 15, "task_time_limit": 12, "stuck_seconds": 15, "sweep_seconds": 3},
    "full": {"seed": [], "organisations": 300, "saves": 2, "gap": 15, "fault_seconds": 60,
             "pg_down_seconds": 10, "tail_seconds": 30, "drain_seconds": 240, "request_patience": 120,
             "retry_base": 4, "retry_max": 60, "task_time_limit": 30, "stuck_seconds": 40, "sweep_seconds": 5},
}
SMTP_RCPT_DELAY = 0.05  # a relay's checks before it takes a recipient: a kill can find a mail 送信中


def now() -> float:
    return time.time()


# --- Private services -------------------------------------------------------------------------------

def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise SystemExit(f"{what}: not within {timeout} s")


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


class PrivatePostgres:
    """A throw-away cluster: initdb in `directory`, served on `port` of 127.0.0.1 only.

    initdb and the server refuse to run as root: as root they run as `postgres`, which then owns
    the directory."""

    def __init__(self, directory: Path, port: int, log_path: Path):
        self.directory, self.port, self.log_path = directory, port, log_path
        self.data = directory / "data"
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/labportal_faults"

    def _run(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run([*self.as_owner, *args], capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise SystemExit(f"{args[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def create(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise SystemExit(f"{PG_BIN / 'initdb'} not found: apt-get install postgresql, or set FAULTS_PG_BIN")
        if self.as_owner:
            shutil.chown(self.directory, "postgres", "postgres")
            self.log_path.touch()
            shutil.chown(self.log_path, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.start()
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "labportal_faults")

    def start(self) -> None:
        # fsync off: a throw-away cluster; a fast shutdown still writes everything out.
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c full_page_writes=off -c max_connections=200")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log_path), "-w",
                  "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


class PrivateRedis:
    """redis-server without persistence: stopping it loses every queued message, as a crash would."""

    def __init__(self, port: int, log_path: Path):
        self.port, self.log_path = port, log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: answers(self.port), 20, "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, timeout=10)
            self.process = None


class Beat:
    """`celery beat`: sends the clock's sweep (which re-enqueues lost mails) every few seconds."""

    def __init__(self, env: dict, schedule: Path, log_path: Path):
        self.env, self.schedule, self.log_path = env, schedule, log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        command = [sys.executable, "-m", "celery", "-A", "labportal", "beat", "--loglevel=INFO",
                   f"--schedule={self.schedule}"]
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        return self

    def __exit__(self, *exc):
        if self.process is not None:
            stop_group(self.process)


class FaultySMTPServer(SMTPSink):
    """The benchmark's aiosmtpd sink that counts every accepted message by Message-ID and can
    refuse (451 to RCPT or to the message, in turn) or be closed (connection refused)."""

    def __init__(self, port: int):
        super().__init__(port)
        self.port = port
        self.mode = "accept"  # "accept" | "refuse" | "closed"
        self.by_message_id: Counter = Counter()
        self.refusals: Counter = Counter()
        self.received_at: list[float] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(SMTP_RCPT_DELAY)
        if self.mode == "refuse" and sum(self.refusals.values()) % 2 == 0:
            self.refusals["RCPT 451"] += 1
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "refuse":
            self.refusals["DATA 451"] += 1
            return "451 4.3.0 Temporary failure, please try again later"
        message = email.message_from_bytes(envelope.content)
        with self._lock:
            self.count += 1
            self.by_message_id[(message.get("Message-ID") or "").strip()] += 1
            self.received_at.append(now())
        return "250 OK"

    def close(self) -> None:
        self.mode = "closed"
        self.controller.stop()

    def __exit__(self, *exc):
        if self.mode != "closed":
            self.controller.stop()

    def reopen(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.mode = "accept"


# --- The load ---------------------------------------------------------------------------------------

class Ledger:
    """Every request's answer, with when, for the checks and the report."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[dict] = []  # {t, op, status, kind, ms}
        self.saves = defaultdict(lambda: {"initial": None, "answered": 0, "unanswered": 0})
        self.given_up: list[str] = []

    def record(self, op: str, status: int | None, kind: str, started: float) -> None:
        with self.lock:
            self.rows.append({"t": started, "op": op, "status": status, "kind": kind,
                              "ms": round((now() - started) * 1000, 1)})


def classify(response) -> str:
    """ok (below 500) | error_page_503 (the portal's page when the database is down) | http_<status>."""
    if response.status >= 500:
        if response.status == 503 and ERROR_PAGE_TEXT in response.text:
            return "error_page_503"
        return f"http_{response.status}"
    return "ok"


class Applicant:
    """One organisation's person: opens sections, saves them, submits; tries again on a failure."""

    def __init__(self, pages: Pages, ledger: Ledger, draft, patience: float):
        self.pages, self.ledger, self.patience = pages, ledger, patience
        self.application_pk, self.user_id = draft

    def _attempt(self, op: str, send, expected: dict[int, str]):
        """Send until an expected answer or the patience runs out, with a pause between tries.
        `expected`: status → the kind recorded for it ("ok", or e.g. a stale save's)."""
        deadline = time.monotonic() + self.patience
        tries = 0
        while time.monotonic() < deadline:
            tries += 1
            started = now()
            try:
                response = send()
            except OSError as error:  # refused, reset, timed out: the server lost the request
                self.ledger.record(op, None, f"connection: {type(error).__name__}", started)
                time.sleep(1)
                continue
            if response.status in expected:
                self.ledger.record(op, response.status, expected[response.status], started)
                return response, tries
            kind = classify(response)
            self.ledger.record(op, response.status, kind if kind != "ok" else f"unexpected {response.status}",
                               started)
            time.sleep(1)
        self.ledger.given_up.append(f"{op} of application {self.application_pk} after {tries} tries")
        return None, tries

    def open_section(self, key: str):
        path = f"/applications/{self.application_pk}/sections/{key}/"
        response, _ = self._attempt("section_open", lambda: self.pages.get(path, self.user_id), {200: "ok"})
        if response is None:
            return None
        form = find_form(response.text, having="version")
        form.replace("csrfmiddlewaretoken", self.pages.csrf_token)
        text_field = next(name for name, value in form.fields
                          if name not in ("csrfmiddlewaretoken", "version") and "-" not in name and len(value) > 50)
        return path, form, text_field, form.get(text_field), int(form.get("version"))

    def save(self, key: str, serial: int) -> None:
        opened = self.open_section(key)
        if opened is None:
            return
        path, form, text_field, base, version = opened
        record = self.ledger.saves[(self.application_pk, key)]
        if record["initial"] is None:
            record["initial"] = version
        for _ in range(3):  # a save refused as stale (its first try was stored after all): open again
            response, tries = self._attempt(
                "section_save",
                lambda: self.pages.save_request(path, form, text_field, base, version, serial, self.user_id),
                {302: "ok", 409: STALE})
            record["unanswered"] += tries - 1
            if response is None or response.status == 302:
                record["answered"] += response is not None
                return
            opened = self.open_section(key)
            if opened is None:
                return
            path, form, text_field, base, version = opened

    def submit(self) -> None:
        self._attempt("submission", lambda: self.pages.submit_request((self.application_pk, self.user_id)),
                      {302: "ok"})


def run_load(pages: Pages, ledger: Ledger, drafts: list, seconds: float, saves: int, patience: float) -> float:
    """USERS threads take the drafts in turn; draft i starts no earlier than i·seconds/len(drafts)."""
    started = now()
    queue = list(enumerate(drafts))
    lock = threading.Lock()
    step = seconds / max(1, len(drafts))

    def work():
        while True:
            with lock:
                if not queue:
                    return
                index, draft = queue.pop(0)
            delay = started + index * step - now()
            if delay > 0:
                time.sleep(delay)
            applicant = Applicant(pages, ledger, draft, patience)
            for n in range(saves):
                applicant.save(SAVE_SECTIONS[n % len(SAVE_SECTIONS)], index * 10 + n)
            applicant.submit()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + patience * 6)
    return now() - started


# --- The faults -------------------------------------------------------------------------------------

class _Stopping(Exception):
    """The run is being torn down."""


class Faults:
    """Runs (a)–(d) in turn while the load runs; records each one's window and what it found."""

    def __init__(self, scale: dict, redis: PrivateRedis, postgres: PrivatePostgres, smtp: FaultySMTPServer,
                 workers_box: dict, env: dict, logs: Path):
        self.scale, self.redis, self.postgres, self.smtp = scale, redis, postgres, smtp
        self.workers_box, self.env, self.logs = workers_box, env, logs
        self.windows: list[dict] = []
        self.error: BaseException | None = None
        # Set when the run is being torn down: the fault in progress is ended early (the service
        # it stopped is started again, so that the clean-up finds and stops it) and no other begins.
        self.stopping = threading.Event()

    def _pause(self, seconds: float) -> None:
        if self.stopping.wait(seconds):
            raise _Stopping

    def run(self) -> None:
        try:
            gap, seconds = self.scale["gap"], self.scale["fault_seconds"]
            self._pause(gap)
            self.redis_down(seconds)
            self._pause(gap)
            self.workers_killed()
            self._pause(gap)
            self.smtp_refusing(seconds)
            self._pause(gap)
            self.postgres_restart(self.scale["pg_down_seconds"])
        except _Stopping:
            pass
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            self.error = error

    def _window(self, name: str, started: float, ended: float, **details) -> None:
        self.windows.append({"fault": name, "start": started, "end": ended,
                             "seconds": round(ended - started, 1), **details})
        log(f"fault {name}: {ended - started:.1f} s {details or ''}")

    def redis_down(self, seconds: float) -> None:
        log(f"fault (a): Redis stopped for {seconds} s")
        started = now()
        self.redis.stop()
        try:
            self._pause(seconds)
        finally:
            self.redis.start()
        self._window("redis_down", started, now())

    def workers_killed(self) -> None:
        from labportal.models import OutboxMail

        # A kill that finds a mail 送信中 tests the claim's recovery; wait a little for one.
        sending: list[int] = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                sending = list(OutboxMail.objects.filter(state=OutboxMail.State.SENDING).values_list("pk", flat=True))
            if sending:
                break
            time.sleep(0.02)
        log(f"fault (b): Celery workers killed (SIGKILL) with {len(sending)} mail(s) 送信中")
        started = now()
        workers = self.workers_box["workers"]
        for process in workers.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        time.sleep(1)
        restarted = CeleryWorkers(self.env, 2)
        restarted.logs = [self.logs / f"celery-restarted-{i + 1}.log" for i in range(2)]
        self.workers_box["workers"] = restarted  # before it starts: the clean-up stops what started
        restarted.__enter__()
        self._window("worker_killed", started, now(), sending_at_kill=sending)

    def smtp_refusing(self, seconds: float) -> None:
        log(f"fault (c): SMTP server refusing (451) for {seconds / 2:.0f} s, then closed for {seconds / 2:.0f} s")
        started = now()
        self.smtp.mode = "refuse"
        try:
            self._pause(seconds / 2)
            self.smtp.close()
            self._pause(seconds / 2)
        finally:
            if self.smtp.mode == "closed":
                self.smtp.reopen()
            self.smtp.mode = "accept"
        self._window("smtp_refusing", started, now(), refusals=dict(self.smtp.refusals))

    def postgres_restart(self, seconds: float) -> None:
        log(f"fault (d): PostgreSQL stopped (fast shutdown) for {seconds} s, then started")
        started = now()
        self.postgres.stop("fast")
        try:
            self._pause(seconds)
        finally:
            self.postgres.start()
        self._window("postgres_restart", started, now())


# --- Checks -----------------------------------------------------------------------------------------

def drain(count: int, seconds: float) -> float:
    """Wait until `count` receipt mails exist and none is 待機 or 送信中 any more (bounded)."""
    from django.db import close_old_connections

    from labportal.models import OutboxMail

    started = time.monotonic()
    receipts = OutboxMail.objects.filter(event="applications_submitted",
                                         dedup_key__startswith="applications_submitted:application:")
    while time.monotonic() - started < seconds:
        close_old_connections()  # the harness's connection did not survive PostgreSQL's restart
        with contextlib.suppress(Exception):
            open_rows = receipts.exclude(state__in=[OutboxMail.State.SENT, OutboxMail.State.FAILED]).count()
            if open_rows == 0 and receipts.count() >= count:
                break
        time.sleep(1)
    return time.monotonic() - started


def verify(ledger: Ledger, drafts: list, smtp: FaultySMTPServer, windows: list[dict], open_round) -> dict:
    from django.db.models import Count

    from applications.models import SECTIONS_BY_KEY, Application, ApplicationEvent, ApplicationVersion
    from labportal.models import OutboxMail
    from labportal.services import UNCERTAIN_ERROR

    pks = [pk for pk, _ in drafts]
    State = Application.State
    applications = {a.pk: a for a in Application.objects.filter(pk__in=pks)}
    submit_events = Counter(ApplicationEvent.objects.filter(application_id__in=pks, to_state=State.SUBMITTED)
                            .values_list("application_id", flat=True))
    versions = defaultdict(list)
    for application_id, number in ApplicationVersion.objects.filter(application_id__in=pks).values_list(
            "application_id", "number"):
        versions[application_id].append(number)
    receipts = list(Application.objects.filter(selection_round=open_round, receipt_number__isnull=False)
                    .values("receipt_number").annotate(n=Count("pk")).filter(n__gt=1))
    not_submitted = [pk for pk in pks if applications[pk].state != State.SUBMITTED
                     or not applications[pk].receipt_number]
    events_not_one = {pk: submit_events[pk] for pk in pks if submit_events[pk] != 1}
    versions_not_one = {pk: versions[pk] for pk in pks if versions[pk] != [1]}

    # Section saves: none answered lost, none applied twice beyond the unanswered tries.
    lost_saves, extra_saves = [], []
    for (pk, key), record in ledger.saves.items():
        if record["initial"] is None:
            continue
        version = SECTIONS_BY_KEY[key].objects.get(application_id=pk).version
        stored = version - record["initial"]
        if stored < record["answered"]:
            lost_saves.append({"application": pk, "section": key, **record, "version": version})
        elif stored > record["answered"] + record["unanswered"]:
            extra_saves.append({"application": pk, "section": key, **record, "version": version})

    # Receipt mails: one row per member, each 送信済 and received once by Message-ID.
    rows = list(OutboxMail.objects.filter(event="applications_submitted",
                                          dedup_key__startswith="applications_submitted:application:")
                .values("pk", "dedup_key", "state", "message_id", "attempts", "last_error", "created_at",
                        "sent_at"))
    by_application = defaultdict(list)
    for row in rows:
        by_application[int(row["dedup_key"].split(":")[2])].append(row)
    without_mail = [pk for pk in pks if not by_application.get(pk)]
    received = {r["pk"]: smtp.by_message_id.get(r["message_id"], 0) for r in rows}
    # The one documented window (docs/operations.md, "Mail outbox and the clock"): a worker killed after recording the
    # hand-over leaves its mail 失敗 "送信結果不明" for staff, never resent automatically. Accepted
    # for the mails the kill interrupted (whether or not the server got them); anywhere else a
    # failure. The server got such a mail at most once: the duplicate check still applies.
    killed = {pk for w in windows for pk in w.get("sending_at_kill", [])}
    by_design = [r["pk"] for r in rows if r["pk"] in killed and r["state"] == OutboxMail.State.FAILED
                 and r["last_error"].startswith(UNCERTAIN_ERROR)]
    not_sent = [{"id": r["pk"], "state": r["state"], "attempts": r["attempts"], "error": r["last_error"][:200]}
                for r in rows if r["state"] != OutboxMail.State.SENT and r["pk"] not in by_design]
    never_received = [pk for pk, n in received.items() if n == 0 and pk not in by_design]
    duplicates = {pk: n for pk, n in received.items() if n > 1}
    known = {r["message_id"] for r in rows}
    strangers = sum(n for mid, n in smtp.by_message_id.items() if mid not in known)

    # Answers: 5xx only as the portal's 503 page while PostgreSQL was down (and just after).
    pg = next((w for w in windows if w["fault"] == "postgres_restart"), None)
    grace = 10

    def expected_failure(row) -> bool:
        in_pg = pg is not None and pg["start"] - 2 <= row["t"] <= pg["end"] + grace
        return in_pg and (row["kind"] in ("error_page_503", STALE) or row["kind"].startswith("connection:"))

    failures = [r for r in ledger.rows if r["kind"] != "ok"]
    unexpected = [r for r in failures if not expected_failure(r)]
    bare_5xx = [r for r in failures if r["status"] and r["status"] >= 500 and r["kind"] != "error_page_503"]

    checks = [
        ("every application submitted (提出済, receipt number)", len(not_submitted) == 0,
         f"{len(pks) - len(not_submitted)}/{len(pks)}"),
        ("each submitted exactly once (one 提出 event)", not events_not_one, f"{len(events_not_one)} differ"),
        ("version history: exactly version 1 each", not versions_not_one, f"{len(versions_not_one)} differ"),
        ("receipt numbers unique in the round", not receipts, f"{len(receipts)} duplicated"),
        ("no answered section save lost", not lost_saves, f"{len(lost_saves)} lost"),
        ("no section save applied twice", not extra_saves, f"{len(extra_saves)} extra"),
        ("a receipt mail queued for every submission", not without_mail, f"{len(without_mail)} without"),
        ("every receipt mail 送信済 (but those below)", not not_sent, f"{len(rows) - len(not_sent)}/{len(rows)}"),
        ("送信結果不明 only for a mail the kill interrupted after its hand-over (by design: staff check it)", True,
         f"{len(by_design)}" + (f" (received by the server: {sum(received[pk] for pk in by_design)})"
                                if by_design else "")),
        ("every receipt mail received by the SMTP server", not never_received, f"{len(never_received)} never"),
        ("no receipt mail received twice", not duplicates, f"{len(duplicates)} duplicated"),
        ("no 5xx but the Japanese 503 page", not bare_5xx, f"{len(bare_5xx)} bare 5xx"),
        ("no failed answer outside PostgreSQL's restart", not unexpected, f"{len(unexpected)} unexpected"),
        ("no request given up", not ledger.given_up, f"{len(ledger.given_up)} given up"),
    ]
    return {
        "checks": [{"check": name, "ok": ok, "value": value} for name, ok, value in checks],
        "details": {
            "not_submitted": not_submitted[:20], "submit_events_not_one": dict(list(events_not_one.items())[:20]),
            "versions_not_one": dict(list(versions_not_one.items())[:20]), "duplicate_receipts": receipts[:20],
            "lost_saves": lost_saves[:20], "extra_saves": extra_saves[:20], "without_mail": without_mail[:20],
            "mails_not_sent": not_sent[:20], "mails_never_received": never_received[:20],
            "mails_received_twice": duplicates, "unexpected_failures": unexpected[:20],
            "bare_5xx": bare_5xx[:20], "given_up": ledger.given_up[:20],
        },
        "mails": {"receipt_rows": len(rows), "received": sum(received.values()),
                  "other_messages_received": strangers, "attempts": dict(Counter(r["attempts"] for r in rows))},
        "_rows": rows,
    }


def recovery(windows: list[dict], ledger: Ledger, rows: list[dict]) -> None:
    """Per fault: the requests that failed in it (up to 10 s after, not into the next fault), the
    first answered request after it, and when the last receipt mail queued during it was sent."""
    by_id = {r["pk"]: r for r in rows}
    for index, window in enumerate(windows):
        start, end = window["start"], window["end"]
        until = min(end + 10, windows[index + 1]["start"]) if index + 1 < len(windows) else end + 10
        during = [r for r in ledger.rows if start - 2 <= r["t"] <= until]
        window["failed_requests"] = dict(Counter(r["kind"] for r in during if r["kind"] != "ok"))
        window["slowest_answer_ms"] = max((r["ms"] for r in during), default=None)
        first_ok = min((r["t"] + r["ms"] / 1000 for r in ledger.rows if r["kind"] == "ok" and r["t"] >= end),
                       default=None)
        window["first_answer_after_s"] = None if first_ok is None else round(first_ok - end, 1)
        queued = [r for r in rows if start - 1 <= r["created_at"].timestamp() <= end]
        sent = [r["sent_at"].timestamp() for r in queued if r["sent_at"] is not None]
        window["mails_queued_during"] = len(queued)
        window["mails_sent_after_s"] = (max(0.0, round(max(sent) - end, 1)) if sent and len(sent) == len(queued)
                                        else None)
        if "sending_at_kill" in window:  # the mails the kill interrupted: where are they now?
            window["interrupted_mails"] = [
                {"id": pk, "state": by_id[pk]["state"], "attempts": by_id[pk]["attempts"],
                 "sent_after_kill_s": round(by_id[pk]["sent_at"].timestamp() - start, 1) if by_id[pk]["sent_at"]
                 else None}
                for pk in window["sending_at_kill"] if pk in by_id]
            window["sending_at_kill"] = len(window["sending_at_kill"])


# --- Report -----------------------------------------------------------------------------------------

def markdown(results: dict) -> str:
    meta, load = results["meta"], results["load"]
    ok = all(c["ok"] for c in results["checks"])
    lines = [f"### Deadline hour with faults {meta['date']} ({meta['scale']}, commit {meta['commit']})", "",
             f"{meta['organisations']} organisations, {USERS} users, {meta['load_seconds']} s of load; "
             f"{load['requests']} requests ({load['by_operation']}); whole run {meta['run_seconds']} s; "
             f"**{'all checks passed' if ok else 'CHECKS FAILED'}**.", "",
             "| fault | duration s | failed requests (kind: count) | slowest answer ms | first answer after s "
             "| mails queued in it | all of them sent after s |", "|---|---:|---|---:|---:|---:|---:|"]
    for w in results["faults"]:
        failed = ", ".join(f"{k}: {n}" for k, n in w["failed_requests"].items()) or "none"
        extra = ""
        if w["fault"] == "worker_killed":
            extra = f" ({w['sending_at_kill']} 送信中 at the kill)"
        if w["fault"] == "smtp_refusing":
            extra = f" ({', '.join(f'{k}: {n}' for k, n in w['refusals'].items())})"
        lines.append(f"| {w['fault']}{extra} | {w['seconds']} | {failed} | {w['slowest_answer_ms']} | "
                     f"{w['first_answer_after_s']} | "
                     f"{w['mails_queued_during']} | {w['mails_sent_after_s']} |")
    lines += ["", "| answers by kind | count |", "|---|---:|"]
    lines += [f"| {kind} | {n} |" for kind, n in sorted(load["by_kind"].items())]
    lines += ["", "| check | result | ok |", "|---|---|---|"]
    lines += [f"| {c['check']} | {c['value']} | {'yes' if c['ok'] else '**no**'} |" for c in results["checks"]]
    for w in results["faults"]:
        for mail in w.get("interrupted_mails", []):
            lines.append(f"\nMail {mail['id']}, 送信中 when the workers were killed: now {mail['state']} after "
                         f"{mail['attempts']} attempt(s), sent {mail['sent_after_kill_s']} s after the kill "
                         "(negative: it was sent before the kill landed).")
    failed = {name: value for name, value in results["details"].items() if value}
    if failed:
        lines.append("\nDetails of what failed: `" + json.dumps(failed, ensure_ascii=False, default=str)[:3000] + "`")
    mails = results["mails"]
    lines.append(f"\nReceipt mails: {mails['receipt_rows']} rows, {mails['received']} received by the SMTP server "
                 f"(attempts per mail: {mails['attempts']}); drained in {results['drain_seconds']} s.")
    return "\n".join(lines) + "\n"


# --- Main -------------------------------------------------------------------------------------------

def build_env(scale: dict, postgres: PrivatePostgres, redis: PrivateRedis, smtp_port: int, web_port: int,
              tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CELERY_", "EMAIL_", "OUTBOX_", "CLOCK_", "DJANGO_", "DATABASE_"))}
    limit = scale["task_time_limit"]
    env.update({
        "DJANGO_SETTINGS_MODULE": "labportal.settings", "DATABASE_URL": postgres.url, "CELERY_BROKER_URL": redis.url,
        "CACHE_URL": redis.url.rsplit("/", 1)[0] + "/1",  # shared by the workers, as in production
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "EMAIL_TIMEOUT": "5",
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0", "SITE_URL": f"http://127.0.0.1:{web_port}", "LABPORTAL_VAR_DIR": str(tmp / "var"),
        "MEDIA_ROOT": str(tmp / "media"), "STATIC_ROOT": str(tmp / "static"), "PYTHONUNBUFFERED": "1",
        # Short limits so that a lost task is found in seconds, not the production's minutes.
        "CELERY_TASK_SOFT_TIME_LIMIT": str(limit - 2), "CELERY_TASK_TIME_LIMIT": str(limit),
        "OUTBOX_STUCK_SECONDS": str(scale["stuck_seconds"]), "CLOCK_SWEEP_SECONDS": str(scale["sweep_seconds"]),
        "OUTBOX_RETRY_BASE_SECONDS": str(scale["retry_base"]), "OUTBOX_RETRY_MAX_SECONDS": str(scale["retry_max"]),
    })
    return env


def manage(env: dict, *args: str) -> float:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"manage.py {args[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    log(f"manage.py {' '.join(args)}: {time.monotonic() - started:.1f} s")
    return time.monotonic() - started


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("FAULTS_SCALE") or "full")
    parser.add_argument("--no-write", action="store_true", help="print the report only")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    run_started = time.monotonic()
    load_seconds = 2 * scale["fault_seconds"] + scale["pg_down_seconds"] + 5 * scale["gap"] + 10 + scale["tail_seconds"]
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="labportal-faults-"))
    (tmp / "var" / "celery").mkdir(parents=True)
    # SIGTERM (CI's timeout) unwinds like Ctrl-C, so that every service below is stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    postgres = PrivatePostgres(tmp, free_port(), LOGS / "postgres.log")
    redis = PrivateRedis(free_port(), LOGS / "redis.log")
    web_port, smtp_port = free_port(), free_port()
    env = build_env(scale, postgres, redis, smtp_port, web_port, tmp)
    workers_box: dict = {}
    results: dict = {}
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, True)
        log(f"scale {args.scale}: private PostgreSQL :{postgres.port}, Redis :{redis.port}, SMTP :{smtp_port}, "
            f"gunicorn :{web_port}; logs in {LOGS}")
        stack.callback(lambda: postgres.running() and postgres.stop("immediate"))
        postgres.create()
        stack.callback(redis.stop)
        redis.start()
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_scale", *scale["seed"])
        setup_django(env)
        fixtures = Fixtures()
        drafts = fixtures.drafts[:scale["organisations"]]
        if len(drafts) < scale["organisations"]:
            raise SystemExit(f"only {len(drafts)} drafts in the seeded round")
        smtp = stack.enter_context(FaultySMTPServer(smtp_port))
        server = Gunicorn(env, web_port, 2 * (os.cpu_count() or 1) + 1)
        server.log_path = LOGS / "gunicorn.log"
        stack.callback(server.__exit__, None, None, None)  # before it starts: stops a half-started one too
        server.__enter__()
        workers_box["workers"] = CeleryWorkers(env, 2)
        workers_box["workers"].logs = [LOGS / f"celery-{i + 1}.log" for i in range(2)]
        stack.callback(lambda: workers_box["workers"].__exit__(None, None, None))
        workers_box["workers"].__enter__()
        stack.enter_context(Beat(env, tmp / "var" / "celery" / "beat-schedule", LOGS / "beat.log"))

        client = Client("127.0.0.1", web_port, timeout=30)
        login = client.request("GET", "/accounts/login/")
        csrf = (login.cookie("csrftoken"), find_form(login.text, having="csrfmiddlewaretoken").get(
            "csrfmiddlewaretoken"))
        pages = Pages(client, fixtures, csrf, {})
        ledger = Ledger()
        faults = Faults(scale, redis, postgres, smtp, workers_box, env, LOGS)
        fault_thread = threading.Thread(target=faults.run, daemon=True)
        stack.callback(lambda: (faults.stopping.set(), fault_thread.join(120)))  # first of the clean-ups
        log(f"load: {len(drafts)} organisations over {load_seconds} s, {USERS} users; faults (a)–(d) meanwhile")
        fault_thread.start()
        elapsed = run_load(pages, ledger, drafts, load_seconds, scale["saves"], scale["request_patience"])
        fault_thread.join(120)
        if faults.error is not None:
            raise SystemExit(f"a fault could not be applied: {faults.error!r}")
        log(f"load done in {elapsed:.0f} s: {len(ledger.rows)} requests; draining the outbox")
        drained = drain(len(drafts), scale["drain_seconds"])
        verified = verify(ledger, drafts, smtp, faults.windows, fixtures.open_round)
        rows = verified.pop("_rows")
        recovery(faults.windows, ledger, rows)
        import django

        commit = git("rev-parse", "--short", "HEAD") or "unknown"
        kinds = Counter(r["kind"] if r["kind"] != "ok" else f"ok ({r['status']})" for r in ledger.rows)
        results = {
            "meta": {"date": datetime.date.today().isoformat(), "commit": commit,
                     "dirty": bool(git("status", "--porcelain")), "scale": args.scale,
                     "organisations": len(drafts), "users": USERS, "load_seconds": load_seconds,
                     "django": django.get_version(), "cores": os.cpu_count(),
                     "settings": {k: env[k] for k in sorted(env) if k.startswith(("OUTBOX_", "CELERY_TASK", "CLOCK_"))}},
            "load": {"requests": len(ledger.rows), "seconds": round(elapsed, 1),
                     "by_operation": dict(Counter(r["op"] for r in ledger.rows)), "by_kind": dict(kinds),
                     "latency_ms": summary(r["ms"] for r in ledger.rows if r["kind"] == "ok")},
            "faults": faults.windows, "drain_seconds": round(drained, 1), **verified,
        }
        for window in results["faults"]:
            window["start"] = datetime.datetime.fromtimestamp(window["start"], datetime.UTC).isoformat()
            window["end"] = datetime.datetime.fromtimestamp(window["end"], datetime.UTC).isoformat()
    results["meta"]["run_seconds"] = round(time.monotonic() - run_started, 1)
    report = markdown(results)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        stem = f"faults-{results['meta']['date']}-{results['meta']['commit']}" + (
            "-small" if args.scale == "small" else "")
        (RESULTS / f"{stem}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n")
        log(f"results: {RESULTS / stem}.json")
    print()
    print(report)
    return 0 if all(c["ok"] for c in results["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
