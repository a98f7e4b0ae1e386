"""The applications app on the clock (labportal.clock), registered by ApplicationsConfig.ready():

- the round reminders of labportal.deadlines go, once applications exist in a round, only to
  the members of organisations holding an unsubmitted draft there (hook `reminder_recipients`);
  the round's closing mail to staff counts the submitted applications (hook `application_counts`);
- `remind_revisions`: reminders before a 差し戻し is due (APPLICATION_REVISION_REMINDER_DAYS),
  once per request and offset, to the organisation's members;
- `start_review`: once a round is 審査中, its submitted applications become 審査中 too.

Each costs a fixed number of queries however many rows are due.
"""

import copy
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from labportal.models import SelectionRound, User

from .models import Application, Membership, RevisionRequest

REVISION_REMINDER = "applications.revision_reminder"
START_REVIEW = "applications.start_review"


def draft_holders_by_round(rounds: list[SelectionRound]) -> dict[int, list[User]]:
    """{round id: members of organisations with a draft there}; a round without any application
    yet falls back to every applicant account (nobody has started, everybody may)."""
    from labportal.deadlines import all_applicant_accounts

    round_ids = [r.pk for r in rounds]
    with_applications = set(Application.objects.filter(selection_round_id__in=round_ids)
                            .values_list("selection_round_id", flat=True).distinct())
    rows = sorted(set(Membership.objects.filter(
        state=Membership.State.ACTIVE, user__is_active=True,
        organisation__applications__selection_round_id__in=round_ids,
        organisation__applications__state=Application.State.DRAFT)
        .values_list("organisation__applications__selection_round_id", "user_id", "organisation__name")))
    users = User.objects.in_bulk({user_id for _round, user_id, _name in rows})
    result: dict[int, list[User]] = defaultdict(list)
    seen = set()
    for round_id, user_id, organisation_name in rows:
        if (round_id, user_id) in seen:  # one mail per person, even with drafts in two organisations
            continue
        seen.add((round_id, user_id))
        user = copy.copy(users[user_id])  # the greeting's organisation differs per round
        user.organisation_name = organisation_name
        result[round_id].append(user)
    empty_rounds = [r for r in rounds if r.pk not in with_applications]
    if empty_rounds:
        result.update(all_applicant_accounts(empty_rounds))
    return dict(result)


def submitted_counts_by_round(rounds: list[SelectionRound]) -> dict[int, int]:
    """{round id: applications submitted (any state but 作成中 and 取下げ)}, in one query."""
    counts = dict(Application.objects.filter(selection_round__in=rounds)
                  .exclude(state__in=[Application.State.DRAFT, Application.State.WITHDRAWN])
                  .values_list("selection_round_id").annotate(n=Count("id")).values_list(
                      "selection_round_id", "n"))
    return {r.pk: counts.get(r.pk, 0) for r in rounds}


def revision_offsets() -> list[int]:
    return sorted({d for d in settings.APPLICATION_REVISION_REMINDER_DAYS if d > 0})


def open_revision_requests(now: datetime, offsets: list[int]):
    return RevisionRequest.objects.filter(
        resolved_at__isnull=True, application__state=Application.State.RETURNED,
        due_at__gt=now, due_at__lte=now + timedelta(days=offsets[-1]))


def revisions_to_remind(now: datetime):
    """Open revision requests with an offset come and not yet recorded (the sweep's check)."""
    from labportal.models import ClockEvent

    offsets = revision_offsets()
    if not offsets:
        return None
    not_recorded = Q()
    for days in offsets:
        recorded = ClockEvent.objects.filter(handler=REVISION_REMINDER, kind=f"reminder_{days}d",
                                             object_id=OuterRef("pk"))
        not_recorded |= Q(due_at__lte=now + timedelta(days=days)) & ~Exists(recorded)
    return open_revision_requests(now, offsets).filter(not_recorded)


def applications_to_start_review():
    # Transition plans sit in a round that is always 審査中; their state follows the transition
    # request's decisions (transition.plan), never the round's closing.
    return Application.objects.filter(state=Application.State.SUBMITTED,
                                      selection_round__state=SelectionRound.State.REVIEWING,
                                      transition_request__isnull=True)


def remind_revisions(now: datetime) -> int:
    """Mail each open revision request's organisation at each offset before it is due, once."""
    from labportal.clock import record_events
    from labportal.models import ClockEvent
    from labportal.services import MailRequest, Recipient, notify_many

    from . import mail

    offsets = revision_offsets()
    if not offsets:
        return 0
    requests = list(open_revision_requests(now, offsets).select_related(
        "application__organisation", "application__selection_round__programme", "application__basic")
        .order_by("pk"))
    if not requests:
        return 0
    done = set(ClockEvent.objects.filter(handler=REVISION_REMINDER,
                                         object_id__in=[r.pk for r in requests])
               .values_list("object_id", "kind"))
    members = defaultdict(list)
    for membership in Membership.objects.select_related("user", "organisation").filter(
            state=Membership.State.ACTIVE, user__is_active=True,
            organisation_id__in={r.application.organisation_id for r in requests}):
        user = membership.user
        user.organisation_name = membership.organisation.name
        members[membership.organisation_id].append(user)
    mails, events = [], []
    for request in requests:
        due = [d for d in offsets if request.due_at - timedelta(days=d) <= now]
        new = [d for d in due if (request.pk, f"reminder_{d}d") not in done]
        if not new:
            continue
        nearest = due[0]  # after downtime, one mail: the nearest offset; the others merge into it
        if nearest in new:
            context = {**mail.application_context(request.application), "due_at": request.due_at.isoformat(),
                       "message": request.message, "days_before": nearest}
            mails += [MailRequest(event="applications_revision_reminder", to=Recipient.of(user),
                                  dedup_key=f"revision:{request.pk}:reminder:{nearest}d", context=context)
                      for user in members[request.application.organisation_id]]
        events += [ClockEvent(handler=REVISION_REMINDER, kind=f"reminder_{d}d", object_id=request.pk,
                              due_at=request.due_at - timedelta(days=d), acted_at=now,
                              note="送信しました" if d == nearest else f"期限{nearest}日前の通知にまとめました")
                   for d in new]
    notify_many(mails)
    record_events(events)
    return len({m.dedup_key for m in mails})


def start_review(now: datetime) -> int:
    """Submitted applications of rounds now 審査中 become 審査中 (system actor, through the door)."""
    from .services import applications_transition_bulk

    due = list(applications_to_start_review().order_by("pk"))
    if not due:
        return 0
    return len(applications_transition_bulk(applications=due, to_state=Application.State.UNDER_REVIEW,
                                            actor="system", message="公募締切により審査中になりました"))


def register():
    """Hook into labportal's clock and round handlers (called from the app's ready())."""
    from labportal import clock
    from labportal.deadlines import round_hooks

    round_hooks.reminder_recipients = draft_holders_by_round
    round_hooks.application_counts = submitted_counts_by_round
    clock.register(REVISION_REMINDER, remind_revisions, due=revisions_to_remind)
    clock.register(START_REVIEW, start_review, due=lambda now: applications_to_start_review())
