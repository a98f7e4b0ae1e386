"""labportal's writes: the mail outbox and the state of selection rounds.

Mail (every app sends through `notify`):

    from labportal.services import notify
    notify(event="round_closed", to=user_or_address_or_list, dedup_key=f"round:{pk}:closed",
           context={"round_name": ..., "closes_at": ..., "url": ...})

renders templates/mail/<event>.txt (first line: the subject) and writes one OutboxMail row per
recipient inside the caller's transaction; after commit a task sends it (`outbox_send`).

Delivery guarantee, in short: exactly once, except in the one window no client can close. Mail
is claimed (送信中) in its own committed transaction before any byte goes to the SMTP server,
and the moment the server asks for the message (its 354 to DATA) is recorded (`handed_over_at`),
just before the message is sent (labportal.mail_backend). A worker that dies
before that point provably left nothing the server could deliver, so the mail is sent again
(at-least-once, and no duplicate). A worker that dies after it leaves a server that may have
accepted the whole message (RFC 1047): we then choose at-most-once — the row becomes 失敗 with
"送信結果不明" for staff to check, and is never resent automatically — because a receipt sent
twice and a receipt never sent both hurt, but only the missing one can be put right by a
person who sees the flag. The Message-ID derives from the dedup key, so even a resend by
staff carries the same Message-ID as the first attempt.
"""

import hashlib
import logging
import random
import smtplib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone

from labportal.normalise import one_line

from . import state_machine
from .mail_backend import MessageNotSent
from .models import OutboxMail, SelectionRound
from .state_machine import Actor, Agent, Machine, TransitionNotAllowed  # noqa: F401 (TransitionNotAllowed: the callers' import)

logger = logging.getLogger(__name__)

# --- The outbox -----------------------------------------------------------------------------

UNCERTAIN_ERROR = (
    "送信結果不明：SMTPサーバーへ本文を渡している途中で処理が中断しました。受信者に届いている"
    "可能性があるため、自動では再送しません。受信者に届いているか確認のうえ、必要なら再送してください。")
INTERRUPTED_ERROR = "送信処理が中断しました（SMTPサーバーへ本文を渡す前）。もう一度送信します。"


@dataclass(frozen=True)
class Recipient:
    """Who a mail goes to, with what its greeting names: 〈organisation〉〈name〉 様."""

    email: str
    name: str = ""
    organisation: str = ""
    user_id: int | None = None

    @classmethod
    def of(cls, value) -> "Recipient":
        """From a Recipient, an address, or a User (its `organisation_name`, if annotated)."""
        if isinstance(value, Recipient):
            return value
        if isinstance(value, str):
            return cls(email=value)
        return cls(email=value.email, name=value.display_name,
                   organisation=getattr(value, "organisation_name", "") or "", user_id=value.pk)

    def as_context(self) -> dict:
        return {"email": self.email, "name": self.name or self.email,
                "organisation": self.organisation}


@dataclass(frozen=True)
class MailRequest:
    """One mail to queue: for `notify_many`, which queues many in a fixed number of queries."""

    event: str
    to: Recipient
    dedup_key: str
    context: Mapping = field(default_factory=dict)


def notify(*, event: str, to, dedup_key: str, context: Mapping | None = None) -> list[OutboxMail]:
    """Queue the mail `event` to each recipient in `to`; returns the rows it created.

    `to` is a User, an address, a Recipient, or an iterable of them: one row per recipient.
    `context` holds JSON-serialisable values (str, numbers, dates, datetimes); the template also
    gets `recipient` (name, organisation, email), SITE_URL, SECRETARIAT_NAME, SECRETARIAT_EMAIL.

    Guarantees: the rows are written in the caller's transaction, and the send task is
    enqueued only after it commits (never for a rolled-back row). The row's key is
    event + dedup_key + address, unique in the database: calling again with the same values —
    a retried request, a second sweep, a race between two processes — creates nothing and
    returns []. The subject and body are rendered now and stored; sending never re-renders.
    """
    recipients = [to] if isinstance(to, (str, Recipient, models.Model)) else list(to)
    return notify_many(MailRequest(event=event, to=Recipient.of(r), dedup_key=dedup_key,
                                   context=context or {}) for r in recipients)


def notify_many(requests: Iterable[MailRequest]) -> list[OutboxMail]:
    """`notify` for many mails at once, in 3 queries however many (for the clock's handlers)."""
    now, batch = timezone.now(), uuid.uuid4()
    rows: dict[str, OutboxMail] = {}
    for request in requests:
        key = outbox_key(request.event, request.dedup_key, request.to.email)
        if key not in rows:
            rows[key] = _outbox_row(request, key, now, batch)
    if not rows:
        return []
    existing = set(OutboxMail.objects.filter(dedup_key__in=list(rows))
                   .values_list("dedup_key", flat=True))
    new = [row for key, row in rows.items() if key not in existing]
    if not new:
        return []
    # A concurrent transaction may insert the same key meanwhile: the unique index decides,
    # and the loser's insert is skipped instead of failing the caller's transaction.
    OutboxMail.objects.bulk_create(new, ignore_conflicts=True)
    ids = dict(OutboxMail.objects.filter(dedup_key__in=[row.dedup_key for row in new], batch=batch)
               .values_list("dedup_key", "pk"))
    created = []
    for row in new:
        if row.dedup_key in ids:
            row.pk = ids[row.dedup_key]
            created.append(row)
    _enqueue_after_commit([row.pk for row in created])
    return created


def outbox_key(event: str, dedup_key: str, address: str) -> str:
    key = f"{event}:{dedup_key}:{address.strip().lower()}"
    if len(key) > OutboxMail._meta.get_field("dedup_key").max_length:
        raise ValueError(f"重複防止キーが長すぎます（255文字まで）: {key}")
    return key


def render_mail(event: str, context: Mapping) -> tuple[str, str]:
    """(subject, body) of templates/mail/<event>.txt: its first line is the subject."""
    text = render_to_string(f"mail/{event}.txt", {
        "SITE_URL": settings.SITE_URL,
        "SECRETARIAT_NAME": settings.SECRETARIAT_NAME,
        "SECRETARIAT_EMAIL": settings.SECRETARIAT_EMAIL,
        **context,
    })
    subject, _, body = text.strip().partition("\n")
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    tidy = []
    for line in lines:
        if line or (tidy and tidy[-1]):  # at most one blank line in a row
            tidy.append(line)
    return one_line(subject)[:255], "\n".join(tidy).strip("\n") + "\n"


def _outbox_row(request: MailRequest, key: str, now: datetime, batch: uuid.UUID) -> OutboxMail:
    context = {**request.context, "recipient": request.to.as_context()}
    subject, body = render_mail(request.event, context)
    return OutboxMail(
        event=request.event, recipients=[request.to.email], recipient_user_id=request.to.user_id,
        context=context, subject=subject, body=body, dedup_key=key, message_id=_message_id(key),
        created_at=now, batch=batch, state=OutboxMail.State.PENDING)


def _message_id(key: str) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "labportal.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}.outbox@{domain}>"


def _enqueue_after_commit(mail_ids: list[int]) -> None:
    if mail_ids:
        # robust: a broker that is down must not turn the caller's committed work into an
        # error; the row stays 待機 and the clock's outbox handler enqueues it later.
        # A named function, not a partial: Django's robust on_commit logs a failure with the
        # callback's __qualname__, which a partial lacks.
        def enqueue_outbox_mails():
            _enqueue(mail_ids)

        transaction.on_commit(enqueue_outbox_mails, robust=True)


# Publishing a task costs about a millisecond of the caller's time: past ENQUEUE_DIRECT_MAX mails
# (a sweep re-queuing thousands, a round's reminders) a worker publishes them instead, one task
# per ENQUEUE_CHUNK here, so that the sweep stays short (make bench: 10,000 due took 15 s).
ENQUEUE_DIRECT_MAX = 100
ENQUEUE_CHUNK = 500


def _enqueue(mail_ids: list[int]) -> None:
    from .tasks import enqueue_outbox_mails, send_outbox_mail

    if len(mail_ids) <= ENQUEUE_DIRECT_MAX:
        for mail_id in mail_ids:
            send_outbox_mail.delay(mail_id)
        return
    for start in range(0, len(mail_ids), ENQUEUE_CHUNK):
        enqueue_outbox_mails.delay(mail_ids[start:start + ENQUEUE_CHUNK])


def outbox_enqueue(*, mail_ids: list[int]) -> None:
    """Publish the send task of each mail, over one broker connection (a worker runs this for a
    big batch). A lost publication leaves the row 待機: the clock's outbox handler finds it."""
    from .celery import app
    from .tasks import send_outbox_mail

    with app.producer_or_acquire() as producer:
        for mail_id in mail_ids:
            send_outbox_mail.apply_async((mail_id,), producer=producer)


@dataclass(frozen=True)
class SendOutcome:
    """What `outbox_send` did: the row's new state, and when to try again (seconds) if at all."""

    state: str
    retry_in: float | None = None


def outbox_send(*, mail_id: int) -> SendOutcome | None:
    """Send one 待機 mail now; None if it is not 待機 (sent, failed, or another worker has it).

    Guarantees: one worker at a time — the claim (待機 → 送信中, attempts + 1) is committed on
    its own before the SMTP conversation, with select_for_update(skip_locked) on PostgreSQL and
    a conditional UPDATE elsewhere, so a duplicated task or a redelivered message finds nothing
    to do. Then, by outcome:
    - the server accepted the message → 送信済 (even if closing the connection fails after);
    - a transient error — a 4xx reply at any point, or a refused or lost connection or a
      timeout before the message was handed over → 待機 again with a backoff (exponential,
      jittered) for the task to retry, or 失敗 with the error after OUTBOX_MAX_ATTEMPTS;
    - a permanent error (a 5xx reply, recipients refused, anything unexpected) → 失敗;
    - the connection lost or timed out after the message was handed over, without a reply
      → 失敗 "送信結果不明", never retried automatically (see the module docstring).
    """
    mail = _claim(mail_id)
    if mail is None:
        return None
    progress = {"handed_over": False, "accepted": False}

    def on_handover():
        progress["handed_over"] = True
        OutboxMail.objects.filter(pk=mail.pk, attempts=mail.attempts).update(
            handed_over_at=timezone.now())

    def on_accepted():
        progress["accepted"] = True

    try:
        _deliver(mail, on_handover=on_handover, on_accepted=on_accepted)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        if not progress["accepted"]:
            return _after_failure(mail, exc, handed_over=progress["handed_over"])
        logger.warning("メール %s は受け付けられましたが、接続の終了時にエラー: %r", mail.pk, exc)
    _finish(mail, state=OutboxMail.State.SENT, sent_at=timezone.now(), next_attempt_at=None)
    logger.info("メール %s（%s）を %s に送信しました", mail.pk, mail.event, ", ".join(mail.recipients))
    return SendOutcome(OutboxMail.State.SENT)


def _claim(mail_id: int) -> OutboxMail | None:
    now = timezone.now()
    claim = {"state": OutboxMail.State.SENDING, "claimed_at": now, "handed_over_at": None}
    with transaction.atomic():
        waiting = OutboxMail.objects.filter(pk=mail_id, state=OutboxMail.State.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            mail = waiting.select_for_update(skip_locked=True).first()
            if mail is None:
                return None
            mail.attempts += 1
            for name, value in claim.items():
                setattr(mail, name, value)
            mail.save(update_fields=["attempts", *claim])
            return mail
        # SQLite: no row locks, but one UPDATE is atomic and its WHERE re-checks the state.
        if not waiting.update(attempts=F("attempts") + 1, **claim):
            return None
        return OutboxMail.objects.get(pk=mail_id)


def _deliver(mail: OutboxMail, *, on_handover, on_accepted) -> None:
    backend = get_connection(fail_silently=False, on_handover=on_handover, on_accepted=on_accepted)
    reports_handover = getattr(backend, "reports_handover", False)
    if not reports_handover:
        on_handover()  # a local backend (file, console, memory): the whole send is the hand-over
    # Headers on one line whatever the row holds: a CR or LF makes Django refuse the whole mail
    # (BadHeaderError), and a row written before the forms refused them must still go out.
    message = EmailMessage(
        subject=one_line(mail.subject), body=mail.body, to=[one_line(r) for r in mail.recipients],
        connection=backend, headers={"Message-ID": one_line(mail.message_id), "Auto-Submitted": "auto-generated"})
    message.send(fail_silently=False)
    if not reports_handover:
        on_accepted()


def _after_failure(mail: OutboxMail, exc: Exception, *, handed_over: bool) -> SendOutcome:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    answered = isinstance(exc, smtplib.SMTPResponseException)  # the server said no: it has nothing
    if handed_over and not answered and not isinstance(exc, MessageNotSent):
        logger.error("メール %s は送信結果が不明です: %s", mail.pk, error)
        _finish(mail, state=OutboxMail.State.FAILED, last_error=f"{UNCERTAIN_ERROR}\n{error}")
        return SendOutcome(OutboxMail.State.FAILED)
    if is_transient(exc) and mail.attempts < settings.OUTBOX_MAX_ATTEMPTS:
        delay = retry_delay(mail.attempts)
        logger.warning("メール %s の送信に失敗（%s 回目）、%.0f 秒後に再試行: %s",
                       mail.pk, mail.attempts, delay, error)
        _finish(mail, state=OutboxMail.State.PENDING, last_error=error,
                next_attempt_at=timezone.now() + timedelta(seconds=delay))
        return SendOutcome(OutboxMail.State.PENDING, retry_in=delay)
    logger.error("メール %s の送信に失敗しました（%s 回目、再試行しません）: %s",
                 mail.pk, mail.attempts, error)
    _finish(mail, state=OutboxMail.State.FAILED, last_error=error, next_attempt_at=None)
    return SendOutcome(OutboxMail.State.FAILED)


def _finish(mail: OutboxMail, **changes) -> None:
    # Only this attempt's claim may be finished: `attempts` is the claim's token.
    updated = OutboxMail.objects.filter(
        pk=mail.pk, state=OutboxMail.State.SENDING, attempts=mail.attempts).update(**changes)
    if not updated:
        logger.warning("メール %s の状態を更新できませんでした（別の処理が変更済み）", mail.pk)


def is_transient(exc: Exception) -> bool:
    """Worth another attempt: a 4xx reply, a lost or refused connection, a timeout."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # smtplib raises it when every recipient was refused, each with its own reply: a 451
        # to RCPT (greylisting, a relay busy) is worth another attempt like any other 4xx
        # (make faults found receipts 失敗 for good after one greylisting reply).
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPException):  # a 5xx to RCPT, unsupported, ...
        return False
    return isinstance(exc, (OSError, SoftTimeLimitExceeded))  # refused, reset, timeout, DNS


def retry_delay(attempt: int) -> float:
    """Seconds before attempt `attempt` + 1: base·2^(attempt-1), capped, jittered to 50–100 %."""
    ceiling = min(settings.OUTBOX_RETRY_MAX_SECONDS,
                  settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def outbox_recover(*, now: datetime | None = None) -> dict[str, int]:
    """Put mails whose task was lost back on track (run by the clock's sweep).

    Guarantees: only rows untouched for OUTBOX_STUCK_SECONDS (longer than any task can live, so
    their worker is dead) are changed. 送信中 rows whose message never reached the SMTP server
    go back to 待機 and are enqueued; those that had reached it become 失敗 "送信結果不明" and
    are never resent automatically. 待機 rows whose task vanished (broker down at commit, a
    retry lost with the broker) are enqueued again, at most once per OUTBOX_STUCK_SECONDS.
    A fixed number of queries, whatever the number of rows.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_STUCK_SECONDS)
    stuck = OutboxMail.objects.filter(state=OutboxMail.State.SENDING, claimed_at__lt=stale)
    uncertain = stuck.filter(handed_over_at__isnull=False).update(
        state=OutboxMail.State.FAILED, last_error=UNCERTAIN_ERROR, next_attempt_at=None)
    interrupted = list(stuck.filter(handed_over_at__isnull=True).values_list("pk", flat=True))
    if interrupted:
        OutboxMail.objects.filter(pk__in=interrupted, state=OutboxMail.State.SENDING).update(
            state=OutboxMail.State.PENDING, last_error=INTERRUPTED_ERROR, next_attempt_at=now)
    lost = list(OutboxMail.objects.filter(state=OutboxMail.State.PENDING).filter(
        Q(next_attempt_at__lt=stale) | Q(next_attempt_at__isnull=True, created_at__lt=stale))
        .values_list("pk", flat=True))
    if lost:
        # The next look at them is one OUTBOX_STUCK_SECONDS away: no pile of duplicate tasks.
        OutboxMail.objects.filter(pk__in=lost, state=OutboxMail.State.PENDING).update(
            next_attempt_at=now)
    if uncertain:
        logger.error("送信結果が不明なメールが %s 件あります（管理画面の送信メール：失敗）", uncertain)
    _enqueue_after_commit(interrupted + lost)
    return {"uncertain": uncertain, "requeued": len(interrupted), "reenqueued": len(lost)}


def outbox_resend(*, mail_ids: Iterable[int]) -> int:
    """Staff's resend: each 失敗 mail among `mail_ids` gets one new attempt, on the same row.

    Guarantees: only 失敗 rows move (to 待機, enqueued after commit); 送信済, 送信中 and 待機
    rows are left alone, so a resend can never duplicate a mail known to be sent. The row keeps
    its dedup key and Message-ID; attempts keep counting (a transient error on a row already at
    OUTBOX_MAX_ATTEMPTS fails it again at once). Returns how many were queued.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(OutboxMail.objects.select_for_update()
                   .filter(pk__in=list(mail_ids), state=OutboxMail.State.FAILED)
                   .values_list("pk", flat=True))
        OutboxMail.objects.filter(pk__in=ids).update(
            state=OutboxMail.State.PENDING, next_attempt_at=now, handed_over_at=None)
        _enqueue_after_commit(ids)
    for mail_id in ids:
        logger.info("メール %s を再送の待ち行列に入れました", mail_id)
    return len(ids)


# --- Selection rounds ----------------------------------------------------------------------

RoundState = SelectionRound.State

# Who may move a round from which state to which (labportal.state_machine's shape). The clock
# (Actor.SYSTEM) moves it at its dates; staff by hand (公表 is done from the review settings).
ROUND_MACHINE = Machine(name="selection_round", label="公募回", states=RoundState, table={
    Actor.STAFF: {
        RoundState.PREPARING: {RoundState.OPEN: "公募を開始する"},
        RoundState.OPEN: {RoundState.REVIEWING: "締め切る", RoundState.PREPARING: "準備中に戻す（公募の差し戻し）"},
        RoundState.REVIEWING: {RoundState.ANNOUNCED: "公表する"},
    },
    Actor.SYSTEM: {
        RoundState.PREPARING: {RoundState.OPEN: "公募を開始する（公募開始日時）"},
        RoundState.OPEN: {RoundState.REVIEWING: "締め切る（公募締切日時）"},
    },
})


def selection_rounds_transition(*, rounds: Iterable[SelectionRound], from_state: str,
                                to_state: str, actor: str, user=None) -> list[SelectionRound]:
    """Move rounds from `from_state` to `to_state`: the one door for a round's state.

    Guarantees: a move not in ROUND_MACHINE for `actor` raises TransitionNotAllowed before
    anything changes. The rows are locked and re-read, so of two racing callers only one moves
    a round; rounds no longer in `from_state` are skipped. Every move is recorded once, as a
    StateChange with the actor. Returns the rounds that moved (with `state` updated), in three
    queries however many.
    """
    ROUND_MACHINE.check(actor, from_state, to_state)
    by_id = {selection_round.pk: selection_round for selection_round in rounds}
    with transaction.atomic():
        moving = list(SelectionRound.objects.select_for_update()
                      .filter(pk__in=list(by_id), state=from_state).values_list("pk", flat=True))
        if moving:
            SelectionRound.objects.filter(pk__in=moving).update(state=to_state)
            for pk in moving:
                by_id[pk].state = to_state
            state_machine.record(machine=ROUND_MACHINE, targets=[by_id[pk] for pk in moving],
                                 from_states=from_state, to_state=to_state, agent=Agent(actor, user))
    return [by_id[pk] for pk in moving]


def selection_round_set_state(*, selection_round: SelectionRound, state: str, actor: str,
                               user=None) -> bool:
    """One round from its current state to `state`; False if someone moved it meanwhile."""
    return bool(selection_rounds_transition(rounds=[selection_round], from_state=selection_round.state,
                                            to_state=state, actor=actor, user=user))


# --- The register: a lab's status, and the DX lab that succeeds an IoT lab (issue 6) -----------
# The transition app moves a lab's status with its requests (transition.services calls these);
# staff abolish a lab from the admin. Every lab is created by lab_create.

def _lab_machine() -> Machine:
    from .models import Lab

    Status = Lab.Status
    before_end = (Status.ACTIVE, Status.UNREGISTERED, Status.TRANSITIONING)
    at_end = {Status.ABOLISHED: "期間終了後の扱いにする（廃止）", Status.COEXISTING: "期間終了後の扱いにする（併存）"}
    return Machine(name="lab", label="ラボ", states=Status, field="status", table={
        Actor.ORGANISATION: {
            Status.ACTIVE: {Status.TRANSITIONING: "移行申請を提出する"},
            Status.UNREGISTERED: {Status.TRANSITIONING: "移行申請を提出する"},
            Status.TRANSITIONING: {Status.ACTIVE: "移行しないと届け出る"},
        },
        Actor.STAFF: {
            Status.ACTIVE: {Status.MOVED: "移行を承認する", Status.ABOLISHED: "廃止する",
                            Status.COEXISTING: at_end[Status.COEXISTING]},
            Status.TRANSITIONING: {Status.ACTIVE: "移行を不承認にする・辞退を受け付ける",
                                   Status.MOVED: "移行を承認する", **at_end},
            # A DX lab selected in a round of the region succeeds its IoT lab (lab_create).
            Status.COEXISTING: {Status.ABOLISHED: "廃止する", Status.MOVED: "後継の地域DX推進ラボを登録する"},
            Status.ABOLISHED: {Status.MOVED: "後継の地域DX推進ラボを登録する"},
            # 状況未登録: the seed states no IoT lab's activity (issue 16); staff record what they learn.
            Status.UNREGISTERED: {Status.ACTIVE: "活動を確認する", Status.MOVED: "移行を承認する",
                                  Status.ABOLISHED: "廃止する", Status.COEXISTING: at_end[Status.COEXISTING]},
        },
        Actor.SYSTEM: {state: dict(at_end) for state in before_end},
    }, notes="ラボは `labportal.services.lab_create` で「活動中」として登録されます。移行承認や、同じ地域の"
             "地域DX推進ラボの選定では、移行元のIoTラボが「DXラボへ移行済」になります。")


LAB_MACHINE = _lab_machine()


def lab_set_status(*, labs, status: str, from_statuses=None, actor: str = Actor.SYSTEM, user=None,
                   reason: str = "") -> int:
    """Set the status of `labs` (Lab rows or ids); returns how many changed.

    Guarantees: every move is checked against LAB_MACHINE for `actor` (TransitionNotAllowed
    before anything changes) and recorded once as a StateChange. With `from_statuses`, only labs
    now in one of them change, so a repeated call changes nothing more. `updated_at` moves with
    the status: the directory and the open data read the row itself, so they show the new status
    at once. One UPDATE however many.
    """
    from .models import Lab

    if status not in Lab.Status.values:
        raise ValueError(f"ラボの状態が正しくありません: {status}")
    ids = [getattr(lab, "pk", lab) for lab in labs]
    if not ids:
        return 0
    # No savepoint of its own: the callers' transaction (the transition's, the clock handler's)
    # is the unit; the lock keeps the history true when two callers race.
    with transaction.atomic(savepoint=False):
        rows = Lab.objects.select_for_update(of=("self",)).filter(pk__in=ids).exclude(status=status).order_by()
        if from_statuses is not None:
            rows = rows.filter(status__in=list(from_statuses))
        moving = list(rows.only("pk", "status"))
        refused = next((lab for lab in moving if not LAB_MACHINE.allows(actor, lab.status, status)), None)
        from_states = {lab.pk: lab.status for lab in moving}
        if moving and refused is None:
            Lab.objects.filter(pk__in=list(from_states)).update(status=status, updated_at=timezone.now())
            state_machine.record(machine=LAB_MACHINE, targets=moving, from_states=from_states, to_state=status,
                                 agent=Agent(actor, user), reason=reason)
    if refused is not None:  # raised outside the block, so the caller's transaction stays usable
        LAB_MACHINE.check(actor, refused.status, status)
    return len(moving)


def lab_confirm_active(*, labs, by, reason: str = "") -> int:
    """Staff record that labs whose activity the register did not know (状況未登録, the seed's 105)
    are 活動中 (issue 16); labs in another status are left alone."""
    from .models import Lab

    return lab_set_status(labs=labs, status=Lab.Status.ACTIVE, actor=Actor.STAFF, user=by,
                          reason=reason or "活動を確認", from_statuses=[Lab.Status.UNREGISTERED])


def lab_abolish(*, labs, by, reason: str = "") -> int:
    """Staff's 廃止 of labs (活動中 or 併存); labs in another status are left alone."""
    from .models import Lab

    return lab_set_status(labs=labs, status=Lab.Status.ABOLISHED, actor=Actor.STAFF, user=by, reason=reason,
                          from_statuses=[Lab.Status.ACTIVE, Lab.Status.UNREGISTERED, Lab.Status.COEXISTING])


def lab_create(*, programme, region, selection_round: SelectionRound | None = None, name: str = "",
               implementing_body: str = "", selected_on=None, predecessor=None, transitioned_on=None,
               actor: str = Actor.STAFF, user=None, reason: str = "登録"):
    """The one door by which a lab enters the register (issue 16). Returns the lab.

    Two ways in:
    - selected in a round (`selection_round` of `programme`): a DX lab whose region already has an
      IoT lab without a successor records that IoT lab as its predecessor, and the IoT lab becomes
      DXラボへ移行済 — in the caller's transaction (the announcement's); `lab_succeeded` is sent so
      the transition app ends the IoT lab's transition request in the same transaction.
    - moved from an IoT lab by plan change (`predecessor` and `transitioned_on`, no round): the
      DX lab takes no DX 第n弾; it shows its predecessor's IoT round and the 移行日, which the
      IoT lab records too. Its name follows seed_data.dx_lab_name (「会津若松市地域DX推進ラボ」).
    The new lab's status is 活動中. Its registration and the predecessor's move are checked
    against LAB_MACHINE and recorded as StateChanges with `actor` and `user`.
    """
    from .models import Lab
    from .seed_data import dx_lab_name

    if selection_round is not None and selection_round.programme_id != programme.pk:
        raise ValueError("ラボの制度と公募回の制度が一致していません。")
    with transaction.atomic():
        if predecessor is None and selection_round is None:
            raise ValueError("公募回か移行元のIoTラボを指定してください。")
        if predecessor is None and programme.code == "dx":
            predecessor = (Lab.objects.select_for_update(of=("self",)).filter(
                programme__code="iot", region=region, successor__isnull=True).order_by("pk").first())
            via_round = predecessor is not None
        else:
            via_round = False
        if selection_round is None:
            name = dx_lab_name(region.name)
        lab = Lab(name=name or dx_lab_name(region.name), region=region, programme=programme,
                  selection_round=selection_round, selected_on=selected_on,
                  transitioned_on=None if via_round else transitioned_on,
                  implementing_body=implementing_body, status=Lab.Status.ACTIVE, predecessor=predecessor)
        lab.full_clean()
        lab.save()
        agent = Agent(actor, user)
        state_machine.record(machine=LAB_MACHINE, targets=[lab], from_states="", to_state=lab.status,
                             agent=agent, reason=reason, action="登録")
        if predecessor is not None:
            predecessor_from = predecessor.status
            LAB_MACHINE.check(agent.actor, predecessor_from, Lab.Status.MOVED)
            changes = {"status": Lab.Status.MOVED, "updated_at": timezone.now()}
            if not via_round and transitioned_on:
                changes["transitioned_on"] = transitioned_on
            Lab.objects.filter(pk=predecessor.pk).update(**changes)
            predecessor.status = Lab.Status.MOVED
            state_machine.record(machine=LAB_MACHINE, targets=[predecessor], from_states=predecessor_from,
                                 to_state=Lab.Status.MOVED, agent=agent, reason=f"後継の{lab.name}の登録")
            if via_round:
                lab_succeeded.send(sender=Lab, iot_lab=predecessor, dx_lab=lab)
    logger.info("ラボ %s（id=%s）を台帳に登録しました（移行元 %s）", lab.name, lab.pk,
                getattr(predecessor, "pk", None))
    return lab


# Sent inside lab_create's transaction when a DX lab selected in an ordinary round succeeds an
# IoT lab of its region: the transition app ends that IoT lab's transition request.
lab_succeeded = Signal()


def lab_create_dx_from_iot(*, iot_lab, selection_round: SelectionRound | None = None,
                           implementing_body: str = "", selected_on=None, user=None):
    """The DX lab that succeeds `iot_lab` by plan change (lab_create's second way in), linked to
    it (Lab.predecessor); the IoT lab becomes DXラボへ移行済 and both record the 移行日
    (`selected_on`, today by default). The DX lab takes no DX round: `selection_round` is
    accepted for the callers' sake and not stored. Returns the DX lab.

    Guarantees: one transaction (the IoT lab's row is locked first); idempotent — when the IoT
    lab already has a successor, that one is returned and nothing changes. The IoT lab keeps its
    own round and 選定時期.
    """
    from .models import Lab, Programme

    if iot_lab.programme.code != "iot":
        raise ValueError("移行元には地方版IoT推進ラボを指定してください。")
    with transaction.atomic():
        locked = Lab.objects.select_for_update().select_related("region").get(pk=iot_lab.pk)
        existing = Lab.objects.filter(predecessor=locked).first()
        if existing is not None:
            return existing
        dx = Programme.objects.get(code="dx")
        from .seed_data import dx_lab_name

        if Lab.objects.filter(programme=dx, region_id=locked.region_id,
                              name=dx_lab_name(locked.region.name)).exists():
            raise ValueError(f"台帳に同じ地域・名称の地域DX推進ラボ（{dx_lab_name(locked.region.name)}）が"
                             "既にあります。台帳を確認してから承認してください。")
        dx_lab = lab_create(programme=dx, region=locked.region, predecessor=locked,
                            transitioned_on=selected_on or timezone.localdate(),
                            implementing_body=implementing_body or locked.implementing_body,
                            user=user, reason="IoTラボからの移行")
    logger.info("IoTラボ %s（id=%s）からDXラボ（id=%s）を作成しました", locked.name, locked.pk, dx_lab.pk)
    return dx_lab


# --- The security log, sessions and login locks (labportal/security.py, sessions.py, lockout.py) ---

def security_event_record(*, kind: str, request=None, user=None, identifier: str = "", target: str = ""):
    """Insert one SecurityEvent (who, what, when, from where) and return it; None if it failed.

    Guarantees: one INSERT, in a savepoint of its own; it never raises — a log that cannot be
    written is reported to the error log, and the request it describes goes on as without it.
    `user` defaults to the request's signed-in user; `identifier` to that user's address.
    """
    from .models import SecurityEvent
    from .security import client_ip

    try:
        if user is None and request is not None:
            request_user = getattr(request, "user", None)
            if request_user is not None and request_user.is_authenticated:
                user = request_user
        meta = request.META if request is not None else {}
        with transaction.atomic():
            return SecurityEvent.objects.create(
                kind=kind, user=user, identifier=(identifier or (user.email if user else ""))[:254],
                ip_address=client_ip(request) if request is not None else None,
                user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
                method=(request.method or "")[:10] if request is not None else "",
                path=request.get_full_path()[:500] if request is not None else "",
                target=target[:200])
    except Exception:  # noqa: BLE001 - the log must never break the request it describes
        logger.exception("セキュリティ記録（%s）を保存できませんでした", kind)
        return None


def security_events_purge(*, now: datetime) -> int:
    """Delete the security log's rows older than SECURITY_LOG_RETENTION_DAYS (run by the clock's
    sweep); returns how many. 0 days keeps everything. One DELETE on the created_at index."""
    from .models import SecurityEvent

    cutoff = security_log_cutoff(now)
    if cutoff is None:
        return 0
    deleted, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def security_log_cutoff(now: datetime) -> datetime | None:
    """Rows older than this are past their retention; None when SECURITY_LOG_RETENTION_DAYS is 0."""
    days = settings.SECURITY_LOG_RETENTION_DAYS
    return now - timedelta(days=days) if days > 0 else None


def user_sessions_end(*, user) -> None:
    """End every session of `user`, in every browser: their next request is anonymous.

    Raises the user's session generation (one UPDATE), which is part of every session's auth hash
    (User._get_session_auth_hash). The caller's own session is not kept either.
    """
    from .models import User

    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.session_generation += 1


def login_lock_release(*, attempts, by, request=None) -> int:
    """Release the login locks (django-axes' failed-attempt records) in `attempts` and log who
    released which. Returns how many records were removed."""
    from .models import SecurityEvent

    released = 0
    with transaction.atomic():
        for attempt in attempts.select_for_update():
            security_event_record(kind=SecurityEvent.Kind.UNLOCKED, request=request, user=by,
                                  identifier=attempt.username or "",
                                  target=f"{attempt.username}（{attempt.ip_address}）のロックを解除")
            attempt.delete()
            released += 1
    return released


# --- Reference data: retired, never deleted (issue 15) ----------------------------------------

def reference_retire(*, items: Iterable[models.Model], by) -> int:
    """Retire regions, initiatives, quadrants or activities (anything with `retired_at`): new
    applications no longer see them among their choices; applications, scores and decisions that
    chose them keep them and show them. Nothing is deleted. Returns how many were retired now
    (those already retired are left as they were)."""
    now = timezone.now()
    retired = 0
    for item in items:
        retired += type(item).objects.filter(pk=item.pk, retired_at__isnull=True).update(retired_at=now)
        logger.info("%s %s (%s) retired by %s", type(item).__name__, item.pk, item, getattr(by, "pk", None))
    return retired


def reference_reinstate(*, items: Iterable[models.Model], by) -> int:
    """Offer retired reference data to new applications again. Returns how many came back."""
    reinstated = 0
    for item in items:
        reinstated += type(item).objects.filter(pk=item.pk, retired_at__isnull=False).update(retired_at=None)
        logger.info("%s %s (%s) reinstated by %s", type(item).__name__, item.pk, item, getattr(by, "pk", None))
    return reinstated
