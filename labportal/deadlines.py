"""labportal's deadline handlers, registered with the clock by LabportalConfig.ready().

- a round opens at opens_at (準備中 → 公募中) and closes at closes_at (公募中 → 審査中), each
  time with a mail to staff (the closing one says how many applications came in);
- before a round closes, reminders at CLOCK_REMINDER_OFFSETS_DAYS (7 and 1 days) to applicants;
- mails whose task was lost are put back on track (services.outbox_recover);
- the security log's rows past SECURITY_LOG_RETENTION_DAYS are deleted (services.security_events_purge).

Each costs a fixed number of queries, however many rounds and recipients are due.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from .clock import deadline_handler, record_events
from .models import ClockEvent, OutboxMail, Role, SecurityEvent, SelectionRound, User
from .services import (
    Actor,
    MailRequest,
    Recipient,
    notify_many,
    outbox_recover,
    security_events_purge,
    security_log_cutoff,
    selection_rounds_transition,
)

ROUND_OPEN = "labportal.round_open"
ROUND_REMINDER = "labportal.round_reminder"
ROUND_CLOSE = "labportal.round_close"
OUTBOX_RECOVER = "labportal.outbox_recover"
SECURITY_LOG_PURGE = "labportal.security_log_purge"

State = SelectionRound.State


# --- Hooks the applications app fills in ---------------------------------------------------

def all_applicant_accounts(rounds: list[SelectionRound]) -> dict[int, list[User]]:
    """Until applications exist: every active applicant account, for every round (one query).

    A User may carry an `organisation_name` attribute (e.g. an annotation): mails greet with it.
    """
    accounts = list(User.objects.filter(groups__name=Role.APPLICANT, is_active=True)
                    .distinct().order_by("pk"))
    return {selection_round.pk: accounts for selection_round in rounds}


def applications_received(rounds: list[SelectionRound]) -> dict[int, int]:
    """Until the applications app counts them: 0, since no application can exist yet."""
    try:
        apps.get_model("applications", "Application")
    except LookupError:
        return {selection_round.pk: 0 for selection_round in rounds}
    raise ImproperlyConfigured(
        "applications.Application があります。申請件数の数え方を "
        "labportal.deadlines.round_hooks.application_counts に登録してください。")


@dataclass
class RoundHooks:
    """What other apps narrow or fill in, in their AppConfig.ready():

        from labportal.deadlines import round_hooks
        round_hooks.reminder_recipients = selectors.draft_holders_by_round
        round_hooks.application_counts = selectors.submitted_counts_by_round

    Each takes the list of due rounds and answers for all of them at once (a fixed number of
    queries): {round id: users to remind} and {round id: applications received}.
    """

    reminder_recipients: Callable[[list[SelectionRound]], Mapping[int, Iterable[User]]] = \
        all_applicant_accounts
    application_counts: Callable[[list[SelectionRound]], Mapping[int, int]] = applications_received


round_hooks = RoundHooks()


# --- What is due (the sweep asks these in one SELECT before running any handler) ------------

def rounds_to_open(now: datetime):
    return (SelectionRound.objects.filter(state=State.PREPARING, opens_at__lte=now)
            .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now)))


def rounds_to_close(now: datetime):
    return SelectionRound.objects.filter(state=State.OPEN, closes_at__lte=now)


def rounds_to_remind(now: datetime):
    """Open rounds with a reminder offset come and not yet recorded (none without offsets)."""
    offsets = reminder_offsets()
    if not offsets:
        return None
    not_recorded = Q()
    for days in offsets:
        recorded = ClockEvent.objects.filter(handler=ROUND_REMINDER, kind=_reminder_kind(days),
                                             object_id=OuterRef("pk"))
        not_recorded |= Q(closes_at__lte=now + timedelta(days=days)) & ~Exists(recorded)
    return SelectionRound.objects.filter(state=State.OPEN, closes_at__gt=now).filter(not_recorded)


def mails_to_recover(now: datetime):
    """The rows services.outbox_recover would change."""
    stale = now - timedelta(seconds=settings.OUTBOX_STUCK_SECONDS)
    return OutboxMail.objects.filter(
        Q(state=OutboxMail.State.SENDING, claimed_at__lt=stale)
        | Q(state=OutboxMail.State.PENDING, next_attempt_at__lt=stale)
        | Q(state=OutboxMail.State.PENDING, next_attempt_at__isnull=True, created_at__lt=stale))


# --- The handlers ---------------------------------------------------------------------------

@deadline_handler(ROUND_OPEN, due=rounds_to_open)
def open_rounds(now: datetime) -> int:
    """準備中 rounds whose opens_at has come (and whose closes_at has not) open; staff are told."""
    due = list(rounds_to_open(now).select_related("programme").order_by("pk"))
    if not due:
        return 0
    opened = selection_rounds_transition(rounds=due, from_state=State.PREPARING,
                                         to_state=State.OPEN, actor=Actor.SYSTEM)
    reminder_days = list(reversed(reminder_offsets()))
    _mail_staff("round_opened", opened, "opened",
                lambda selection_round: {"reminder_days": reminder_days})
    record_events(ClockEvent(handler=ROUND_OPEN, kind="opened", object_id=r.pk, due_at=r.opens_at,
                             acted_at=now, note="公募中にしました") for r in opened)
    return len(opened)


@deadline_handler(ROUND_REMINDER, due=rounds_to_remind)
def remind_before_closing(now: datetime) -> int:
    """Applicants are reminded at each offset before closing, once per round and offset.

    After downtime several offsets may be due at once: only the nearest to the deadline is
    sent, and the others are recorded as merged into it, so nobody gets two reminders at once.
    """
    offsets = reminder_offsets()
    if not offsets:
        return 0
    rounds = list(SelectionRound.objects.select_related("programme")
                  .filter(state=State.OPEN, closes_at__gt=now,
                          closes_at__lte=now + timedelta(days=offsets[-1])).order_by("pk"))
    if not rounds:
        return 0
    done = set(ClockEvent.objects.filter(handler=ROUND_REMINDER,
                                         object_id__in=[r.pk for r in rounds])
               .values_list("object_id", "kind"))
    sending, events = [], []
    for selection_round in rounds:
        due = due_reminder_offsets(selection_round.closes_at, now, offsets)
        new = [days for days in due if (selection_round.pk, _reminder_kind(days)) not in done]
        if not new:
            continue
        nearest = due[0]
        if nearest in new:
            sending.append((selection_round, nearest))
        events += [ClockEvent(
            handler=ROUND_REMINDER, kind=_reminder_kind(days), object_id=selection_round.pk,
            due_at=selection_round.closes_at - timedelta(days=days), acted_at=now,
            note="送信しました" if days == nearest else f"締切{nearest}日前の通知にまとめました")
            for days in new]
    if sending:
        recipients = round_hooks.reminder_recipients([r for r, _ in sending])
        notify_many(
            MailRequest(event="round_closing_reminder", to=Recipient.of(user),
                        dedup_key=f"round:{selection_round.pk}:reminder:{days}d",
                        context={**_round_context(selection_round, _applicant_url(selection_round)),
                                 "days_before": days})
            for selection_round, days in sending
            for user in recipients.get(selection_round.pk, ()))
    record_events(events)
    return len(sending)


@deadline_handler(ROUND_CLOSE, due=rounds_to_close)
def close_rounds(now: datetime) -> int:
    """公募中 rounds whose closes_at has passed move to 審査中; staff learn how many applied."""
    due = list(rounds_to_close(now).select_related("programme").order_by("pk"))
    if not due:
        return 0
    closed = selection_rounds_transition(rounds=due, from_state=State.OPEN,
                                         to_state=State.REVIEWING, actor=Actor.SYSTEM)
    if not closed:
        return 0
    counts = round_hooks.application_counts(closed)
    _mail_staff("round_closed", closed, "closed",
                lambda selection_round: {"application_count": counts.get(selection_round.pk, 0)})
    record_events(ClockEvent(handler=ROUND_CLOSE, kind="closed", object_id=r.pk, due_at=r.closes_at,
                             acted_at=now, note=f"審査中にしました（申請{counts.get(r.pk, 0)}件）")
                  for r in closed)
    return len(closed)


@deadline_handler(OUTBOX_RECOVER, due=mails_to_recover)
def recover_outbox(now: datetime) -> int:
    """Mails stuck 送信中 or never enqueued: see services.outbox_recover."""
    return sum(outbox_recover(now=now).values())


def security_events_past_retention(now: datetime):
    """The rows services.security_events_purge would delete; None when they are kept for ever."""
    cutoff = security_log_cutoff(now)
    return None if cutoff is None else SecurityEvent.objects.filter(created_at__lt=cutoff)


@deadline_handler(SECURITY_LOG_PURGE, due=security_events_past_retention)
def purge_security_log(now: datetime) -> int:
    """The security log keeps SECURITY_LOG_RETENTION_DAYS of rows (default three years)."""
    return security_events_purge(now=now)


# --- Helpers --------------------------------------------------------------------------------

def reminder_offsets() -> list[int]:
    """The configured offsets in days, nearest to the deadline first: [1, 7]."""
    return sorted({days for days in settings.CLOCK_REMINDER_OFFSETS_DAYS if days > 0})


def due_reminder_offsets(closes_at: datetime, now: datetime, offsets: list[int]) -> list[int]:
    """The offsets whose reminder time (closes_at - days) has come, nearest first; [] once closed."""
    if closes_at <= now:
        return []
    return [days for days in offsets if closes_at - timedelta(days=days) <= now]


def _reminder_kind(days: int) -> str:
    return f"reminder_{days}d"


def staff_recipients() -> list[Recipient]:
    """Every active member of the staff group, greeted as the secretariat (one query)."""
    return [Recipient(email=user.email, name=user.display_name,
                      organisation=settings.SECRETARIAT_NAME, user_id=user.pk)
            for user in User.objects.filter(groups__name=Role.STAFF, is_active=True)
            .distinct().order_by("pk")]


def _mail_staff(event: str, rounds: list[SelectionRound], what: str, extra) -> None:
    if not rounds:
        return
    staff = staff_recipients()
    notify_many(
        MailRequest(event=event, to=recipient, dedup_key=f"round:{selection_round.pk}:{what}",
                    context={**_round_context(selection_round, _admin_url(selection_round)),
                             **extra(selection_round)})
        for selection_round in rounds for recipient in staff)


def _round_context(selection_round: SelectionRound, url: str) -> dict:
    return {
        "round_id": selection_round.pk,
        "round_name": str(selection_round),
        "round_label": selection_round.label,
        "programme_name": selection_round.programme.name,
        "opens_at": selection_round.opens_at,
        "closes_at": selection_round.closes_at,
        "url": url,
    }


def _admin_url(selection_round: SelectionRound) -> str:
    return settings.SITE_URL + reverse("admin:labportal_selectionround_change",
                                       args=[selection_round.pk])


def _applicant_url(selection_round: SelectionRound) -> str:
    # The programme's top page lists the open rounds; the applications app may link deeper.
    return settings.SITE_URL + reverse("home")
