"""The transition's deadline handlers, registered with the clock by TransitionConfig.ready().

- `transition.records`: every IoT lab has its transition record (a lab added later, or loaded
  in bulk without signals, gets one at the next sweep);
- `transition.reminders`: at each of the policy's offsets before the end of the period (in days,
  Asia/Tokyo), the labs that have submitted nothing are reminded, and staff receive the list —
  once each per offset and end date;
- `transition.period_end`: when the period has ended, once and only once, each lab that had
  submitted nothing becomes 「移行期間終了」 and its IoT lab 廃止 or 併存 per the policy; labs that
  declared 移行しない or were refused take the same end state; the organisations and staff are
  mailed. Requests submitted in time (提出済, 再審査中) wait for the staff's decision.

Each handler costs a fixed number of queries, however many labs are due; each records what it
did (ClockEvent rows, or a state the request leaves for good), so a second sweep does nothing.
"""

import datetime
from datetime import datetime as DateTime

from django.conf import settings
from django.db.models import Count, Exists
from django.urls import reverse
from django.utils import timezone

from labportal.clock import acted_on, deadline_handler, record_events, shared_by_checks
from labportal.models import ClockEvent, Lab
from labportal.services import MailRequest, lab_set_status, notify_many

from .models import JST, TransitionPolicy, TransitionRequest
from .selectors import member_recipients_by_organisation, staff_recipients
from .services import Actor, reminder_context, request_context, requests_transition

RECORDS = "transition.records"
REMINDERS = "transition.reminders"
PERIOD_END = "transition.period_end"

State = TransitionRequest.State


def labs_without_record():
    return Lab.objects.filter(programme__code="iot", transition_request__isnull=True)


@deadline_handler(RECORDS, due=lambda now: labs_without_record())
def ensure_records(now: DateTime) -> int:
    """Every IoT lab of the register has a transition record (未着手 when new). Two queries."""
    return records_ensure()


def records_ensure() -> int:
    missing = list(labs_without_record().values_list("pk", flat=True))
    if missing:
        TransitionRequest.objects.bulk_create(
            [TransitionRequest(lab_id=pk) for pk in missing], ignore_conflicts=True)
    return len(missing)


def due_offset(policy: TransitionPolicy, now: DateTime) -> int | None:
    """The reminder offset due at `now`: the nearest to the end among those whose day has come
    (Asia/Tokyo), or None before the first one and once the period has ended.

    After downtime, or when a policy changes its end date, several offsets may be due at once:
    only the nearest is sent, so nobody receives two reminders at once."""
    if not (policy.has_transition_period and policy.period_ends_on) or policy.has_ended(now):
        return None
    today = timezone.localdate(now, JST)
    due = [days for days in policy.reminder_offsets
           if today >= policy.period_ends_on - datetime.timedelta(days=days)]
    return min(due) if due else None


def reminder_kind(policy: TransitionPolicy, days: int) -> str:
    # The end date is part of the kind: when a new policy moves the end, its reminders are new.
    return f"reminder:{policy.period_ends_on.isoformat()}:{days}d"


def _policy_for_checks(now: DateTime) -> TransitionPolicy | None:
    return shared_by_checks((TransitionPolicy, now), lambda: TransitionPolicy.objects.in_force(now))


def reminders_due(now: DateTime):
    """The sweep's check: the labs not yet reminded at the offset due, or the staff's list not
    yet sent (none before the first offset, after the end, or without a policy)."""
    policy = _policy_for_checks(now)
    days = due_offset(policy, now) if policy is not None else None
    if days is None:
        return None
    kind = reminder_kind(policy, days)
    staff_sent = ClockEvent.objects.filter(handler=REMINDERS, kind=f"staff:{kind}", object_id=policy.pk)
    return [TransitionRequest.objects.filter(state__in=TransitionRequest.OPEN_STATES)
            .exclude(pk__in=acted_on(REMINDERS, kind)),
            TransitionPolicy.objects.filter(pk=policy.pk).exclude(Exists(staff_sent))]


def period_end_due(now: DateTime):
    """The sweep's check, once the period has ended: requests still open, labs to close, or the
    staff's summary not yet sent."""
    policy = _policy_for_checks(now)
    if policy is None or not policy.has_ended(now):
        return None
    summary_sent = ClockEvent.objects.filter(
        handler=PERIOD_END, kind=f"summary:{policy.closes_at.date().isoformat()}", object_id=policy.pk)
    return [TransitionRequest.objects.filter(state__in=TransitionRequest.OPEN_STATES),
            TransitionRequest.objects.filter(state__in=[State.DECLINED, State.REJECTED],
                                             lab__status__in=[Lab.Status.ACTIVE, Lab.Status.UNREGISTERED, Lab.Status.TRANSITIONING]),
            TransitionPolicy.objects.filter(pk=policy.pk).exclude(Exists(summary_sent))]


@deadline_handler(REMINDERS, due=reminders_due)
def send_reminders(now: DateTime) -> int:
    """Remind the labs that have submitted nothing, and tell staff which they are. Returns how
    many labs were reminded."""
    policy = TransitionPolicy.objects.in_force(now)
    if policy is None:
        return 0
    days = due_offset(policy, now)
    if days is None:
        return 0
    kind = reminder_kind(policy, days)
    due = list(TransitionRequest.objects.select_related(
        "lab__region__prefecture", "lab__selection_round", "organisation")
        .filter(state__in=TransitionRequest.OPEN_STATES)
        .exclude(pk__in=acted_on(REMINDERS, kind))
        .order_by("lab__region__prefecture__code", "lab__name"))
    staff_done = ClockEvent.objects.filter(handler=REMINDERS, kind=f"staff:{kind}",
                                           object_id=policy.pk).exists()
    if not due and staff_done:
        return 0
    members = member_recipients_by_organisation({r.organisation_id for r in due})
    extra = {**reminder_context(policy, now), "days_before": days}
    mails = [MailRequest(event="transition_reminder", to=recipient,
                         dedup_key=f"transition:{transition_request.pk}:{kind}",
                         context={**request_context(transition_request, policy), **extra})
             for transition_request in due for recipient in members.get(transition_request.organisation_id, ())]
    if not staff_done:
        # The list for staff, on the first sweep of this offset (when `due` is every lab with
        # nothing submitted), with the labs nobody could be mailed.
        context = {**extra, "programme_name": "地域DX推進ラボ",
                   "period_ends_on": policy.period_ends_on.isoformat(),
                   "labs": [_lab_line(r) for r in due],
                   "unreachable": [_lab_line(r) for r in due if r.organisation_id not in members],
                   "count": len(due),
                   "url": settings.SITE_URL + reverse("transition:dashboard")}
        mails += [MailRequest(event="transition_reminder_staff", to=recipient,
                              dedup_key=f"transition:staff:{kind}", context=context)
                  for recipient in staff_recipients()]
    notify_many(mails)
    due_at = policy.closes_at - datetime.timedelta(days=days)
    events = [ClockEvent(handler=REMINDERS, kind=kind, object_id=r.pk, due_at=due_at, acted_at=now,
                         note="送信しました" if r.organisation_id in members else "申請主体が未登録のため送信先なし")
              for r in due]
    if not staff_done:
        events.append(ClockEvent(handler=REMINDERS, kind=f"staff:{kind}", object_id=policy.pk,
                                 due_at=due_at, acted_at=now, note="事務局へ未提出ラボの一覧を送信しました"))
    record_events(events)
    return len(due)


def _lab_line(transition_request: TransitionRequest) -> dict:
    lab = transition_request.lab
    return {"name": lab.name, "prefecture": lab.region.prefecture.name,
            "state": transition_request.get_state_display(),
            "organisation": transition_request.organisation.name if transition_request.organisation_id else ""}


@deadline_handler(PERIOD_END, due=period_end_due)
def end_period(now: DateTime) -> int:
    """At the end of the period, once: 移行期間終了 and the policy's end state. Returns how many
    labs took the end state."""
    policy = TransitionPolicy.objects.in_force(now)
    if policy is None or not policy.has_ended(now):
        return 0
    end_state = policy.end_state
    expiring = list(TransitionRequest.objects.filter(state__in=TransitionRequest.OPEN_STATES)
                    .values_list("pk", flat=True))
    moves = requests_transition(request_ids=expiring, to_state=State.EXPIRED, actor=Actor.SYSTEM,
                                message=f"移行期間の終了（{policy.get_end_state_display()}）", now=now,
                                strict=False)
    # Labs that said they would not move, or whose plan was refused: the same end state, once
    # (the filter on the lab's status is the record).
    closing = list(TransitionRequest.objects.select_related(
        "lab__region__prefecture", "lab__selection_round", "organisation")
        .filter(state__in=[State.DECLINED, State.REJECTED],
                lab__status__in=[Lab.Status.ACTIVE, Lab.Status.UNREGISTERED, Lab.Status.TRANSITIONING]))
    lab_set_status(labs=[r.lab_id for r in closing], status=end_state,
                   from_statuses=[Lab.Status.ACTIVE, Lab.Status.UNREGISTERED, Lab.Status.TRANSITIONING])
    members = member_recipients_by_organisation({r.organisation_id for r in closing})
    end_key = policy.closes_at.date().isoformat()
    mails = [MailRequest(event="transition_period_closed", to=recipient,
                         dedup_key=f"transition:{transition_request.pk}:closed:{end_key}",
                         context={**request_context(transition_request, policy), "end_state_value": end_state})
             for transition_request in closing for recipient in members.get(transition_request.organisation_id, ())]
    summary_done = ClockEvent.objects.filter(handler=PERIOD_END, kind=f"summary:{end_key}",
                                             object_id=policy.pk).exists()
    if not summary_done:
        expired = [m.transition_request for m in moves]
        counts = dict(TransitionRequest.objects.values_list("state").annotate(n=Count("id"))
                      .values_list("state", "n").order_by())
        context = {
            "programme_name": "地域DX推進ラボ", "end_state": policy.get_end_state_display(),
            "closes_at": policy.closes_at.isoformat(),
            "period_ends_on": policy.period_ends_on.isoformat() if policy.period_ends_on else "",
            "expired": [_lab_line(r) for r in expired],
            "closed": [_lab_line(r) for r in closing],
            "counts": [{"state": label, "n": counts.get(value, 0)}
                       for value, label in State.choices if counts.get(value)],
            "pending": counts.get(State.SUBMITTED, 0) + counts.get(State.UNDER_REVIEW, 0),
            "url": settings.SITE_URL + reverse("transition:dashboard"),
        }
        mails += [MailRequest(event="transition_period_ended_staff", to=recipient,
                              dedup_key=f"transition:period-end:{end_key}", context=context)
                  for recipient in staff_recipients()]
    notify_many(mails)
    events = [ClockEvent(handler=PERIOD_END, kind=f"closed:{end_key}", object_id=r.pk,
                         due_at=policy.closes_at, acted_at=now, note=f"IoTラボを{policy.get_end_state_display()}に")
              for r in closing]
    if not summary_done:
        events.append(ClockEvent(handler=PERIOD_END, kind=f"summary:{end_key}", object_id=policy.pk,
                                 due_at=policy.closes_at, acted_at=now,
                                 note=f"移行期間終了{len(moves)}件、{policy.get_end_state_display()}"))
    record_events(events)
    return len(moves) + len(closing)


def register() -> None:
    """Imported by TransitionConfig.ready(): the decorators above have registered the handlers."""
