"""The review app on the clock (labportal.clock), registered by ReviewConfig.ready():

- `remind_reviewers`: before an open review (未着手 / 下書き) is due, its reviewer is mailed at
  each of REVIEW_REMINDER_DAYS (default 3 and 1 days), once per review, offset and due date —
  a due date changed by staff starts the reminders again; after downtime only the nearest
  reminder is sent and the others are recorded as merged into it;
- `notify_overdue`: once a review's due date has passed unsubmitted, staff get one mail per
  round listing the reviews newly overdue (again once per review and due date).

Reviews of withdrawn applications or of announced rounds are left alone. Each handler costs a
fixed number of queries however many reviews are due.
"""

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from labportal.models import SelectionRound

from . import selectors
from .models import Review

REMINDER = "review.due_reminder"
OVERDUE = "review.overdue"


def reminder_offsets() -> list[int]:
    """The configured offsets in days, nearest to the due date first: [1, 3]."""
    return sorted({days for days in getattr(settings, "REVIEW_REMINDER_DAYS", [3, 1]) if days > 0})


def _stamp(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y%m%d%H%M")


def _reminder_kind(days: int, due_at: datetime) -> str:
    return f"reminder_{days}d:{_stamp(due_at)}"


def _open_reviews():
    return (Review.objects.filter(state__in=Review.OPEN_STATES,
                                  application__state__in=selectors.REVIEWABLE_STATES)
            .exclude(application__selection_round__state=SelectionRound.State.ANNOUNCED)
            .select_related("reviewer", "application__basic", "application__selection_round__programme")
            .order_by("pk"))


def _not_recorded(handler: str, kind_prefix: str, due_at_before: timedelta) -> Exists:
    """No ClockEvent of `handler` for the review with a kind starting with `kind_prefix` and
    its due_at at the review's due date minus `due_at_before`.

    The kinds hold the due date to the minute (in Asia/Tokyo), which SQL cannot portably
    format; the event's due_at pins the same date exactly, so where this finds a record the
    handler finds it too (and where it finds none, the handler runs and decides)."""
    from labportal.models import ClockEvent

    due_at = OuterRef("due_at")
    if due_at_before:
        due_at = ExpressionWrapper(due_at - due_at_before, output_field=DateTimeField())
    return ~Exists(ClockEvent.objects.filter(handler=handler, object_id=OuterRef("pk"),
                                             kind__startswith=kind_prefix, due_at=due_at))


def reviews_to_remind(now: datetime):
    """Open reviews with an offset come and its reminder not yet recorded (the sweep's check)."""
    offsets = reminder_offsets()
    if not offsets:
        return None
    not_recorded = Q()
    for days in offsets:
        not_recorded |= (Q(due_at__lte=now + timedelta(days=days))
                         & _not_recorded(REMINDER, f"reminder_{days}d:", timedelta(days=days)))
    return _open_reviews().filter(due_at__gt=now, due_at__lte=now + timedelta(days=offsets[-1])).filter(
        not_recorded)


def reviews_newly_overdue(now: datetime):
    """Open reviews past their due date whose staff notice is not yet recorded."""
    return _open_reviews().filter(due_at__lte=now).filter(_not_recorded(OVERDUE, "overdue:", timedelta(0)))


def remind_reviewers(now: datetime) -> int:
    """Mail each open review's reviewer at each offset before it is due, once (see module doc)."""
    from labportal.clock import record_events
    from labportal.models import ClockEvent
    from labportal.services import MailRequest, Recipient, notify_many

    from .services import review_mail_context

    offsets = reminder_offsets()
    if not offsets:
        return 0
    due_soon = list(_open_reviews().filter(due_at__gt=now, due_at__lte=now + timedelta(days=offsets[-1])))
    if not due_soon:
        return 0
    done = set(ClockEvent.objects.filter(handler=REMINDER, object_id__in=[r.pk for r in due_soon])
               .values_list("object_id", "kind"))
    mails, events = [], []
    for review in due_soon:
        def kind(days, due_at=review.due_at):
            return _reminder_kind(days, due_at)
        due = [days for days in offsets if review.due_at - timedelta(days=days) <= now]
        new = [days for days in due if (review.pk, kind(days)) not in done]
        if not new:
            continue
        nearest = due[0]
        if nearest in new:
            mails.append(MailRequest(
                event="review_reminder", to=Recipient.of(review.reviewer),
                dedup_key=f"review:{review.pk}:{kind(nearest)}",
                context={**review_mail_context(review), "state": review.get_state_display(), "days_before": nearest}))
        events += [ClockEvent(handler=REMINDER, kind=kind(days), object_id=review.pk,
                              due_at=review.due_at - timedelta(days=days), acted_at=now,
                              note="送信しました" if days == nearest else f"期限{nearest}日前の通知にまとめました")
                   for days in new]
    notify_many(mails)
    record_events(events)
    return len(mails)


def notify_overdue(now: datetime) -> int:
    """Tell staff, once per round and sweep, which open reviews have newly passed their due date."""
    from labportal.clock import record_events
    from labportal.deadlines import staff_recipients
    from labportal.models import ClockEvent
    from labportal.services import MailRequest, notify_many

    from .services import review_mail_context

    overdue = list(_open_reviews().filter(due_at__lte=now))
    if not overdue:
        return 0
    done = set(ClockEvent.objects.filter(handler=OVERDUE, object_id__in=[r.pk for r in overdue])
               .values_list("object_id", "kind"))
    new = [r for r in overdue if (r.pk, f"overdue:{_stamp(r.due_at)}") not in done]
    if not new:
        return 0
    by_round = defaultdict(list)
    for review in new:
        by_round[review.application.selection_round].append(review)
    staff = staff_recipients()
    mails = []
    for selection_round, reviews in by_round.items():
        batch = hashlib.sha256(",".join(f"{r.pk}:{_stamp(r.due_at)}" for r in reviews).encode()).hexdigest()[:24]
        context = {
            "programme_name": selection_round.programme.name, "round_name": str(selection_round),
            "count": len(reviews),
            "reviews": [{**review_mail_context(r), "reviewer_name": r.reviewer.display_name,
                         "state": r.get_state_display()} for r in reviews],
            "url": settings.SITE_URL + reverse("admin:review_review_changelist")
            + f"?round={selection_round.pk}&overdue=yes",
        }
        mails += [MailRequest(event="review_overdue", to=recipient, dedup_key=f"review:overdue:{batch}",
                              context=context) for recipient in staff]
    notify_many(mails)
    record_events(ClockEvent(handler=OVERDUE, kind=f"overdue:{_stamp(r.due_at)}", object_id=r.pk, due_at=r.due_at,
                             acted_at=now, note="事務局に通知しました") for r in new)
    return len(new)


def register():
    """Hook the handlers into labportal's clock (called from the app's ready())."""
    from labportal import clock

    clock.register(REMINDER, remind_reviewers, due=reviews_to_remind)
    clock.register(OVERDUE, notify_overdue, due=reviews_newly_overdue)
