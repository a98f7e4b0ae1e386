"""The review app's mail, through the portal's outbox (labportal.services.notify) with a dedup
key per batch, so a retried request never mails twice."""

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from applications.models import Application

from ..models import Decision, Hearing, Review

# --- Mail -------------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def review_mail_context(review: Review) -> dict:
    """What every reviewer's mail about `review` says: round, receipt number, lab, due date, link."""
    application = review.application
    basic = getattr(application, "basic", None)
    return {
        "programme_name": application.selection_round.programme.name,
        "round_name": str(application.selection_round),
        "receipt_number": application.receipt_number or "",
        "lab_name": (basic.lab_name if basic else "") or "（名称未入力）",
        "due_at": review.due_at,
        "url": _absolute(reverse("admin:review_assignedreview_change", args=[review.pk])),
    }


def _batch_key(ids: Iterable[int]) -> str:
    return hashlib.sha256(",".join(str(pk) for pk in sorted(ids)).encode()).hexdigest()[:24]


def _mail_assignments(reviews: list[Review]) -> None:
    from labportal.services import MailRequest, Recipient, notify_many

    by_reviewer = defaultdict(list)
    for review in reviews:
        by_reviewer[review.reviewer].append(review)
    requests = []
    for reviewer, assigned in by_reviewer.items():
        first = assigned[0].application.selection_round
        requests.append(MailRequest(
            event="review_assigned", to=Recipient.of(reviewer),
            dedup_key=f"review:assigned:{_batch_key(r.pk for r in assigned)}",
            context={"programme_name": first.programme.name, "round_name": str(first),
                     "count": len(assigned), "due_at": min(r.due_at for r in assigned),
                     "reviews": [review_mail_context(r) for r in assigned],
                     "url": _absolute(reverse("admin:review_assignedreview_changelist"))}))
    notify_many(requests)


def _mail_staff_recused(reviews: list[Review]) -> None:
    if not reviews:
        return
    from labportal.deadlines import staff_recipients
    from labportal.services import MailRequest, notify_many

    notify_many(
        MailRequest(event="review_recused", to=recipient, dedup_key=f"review:{review.pk}:recused",
                    context={**review_mail_context(review), "reviewer_name": review.reviewer.display_name,
                             "reason": review.recusal_reason,
                             "url": _absolute(reverse("admin:review_review_changelist")
                                              + f"?application__id__exact={review.application_id}")})
        for review in reviews for recipient in staff_recipients())


def _applicant_context(application: Application) -> dict:
    from applications.mail import application_context

    return {**application_context(application), "programme_name": application.selection_round.programme.name}


def _mail_hearing(hearing: Hearing, event: str) -> None:
    from applications.selectors import members_to_notify
    from labportal.services import notify

    application = Application.objects.select_related("organisation", "basic", "selection_round__programme").get(
        pk=hearing.application_id)
    notify(event=event, to=list(members_to_notify(application.organisation)),
           dedup_key=f"hearing:{hearing.pk}:{event}:{hearing.revision}",
           context={**_applicant_context(application), "scheduled_at": hearing.scheduled_at,
                    "duration_minutes": hearing.duration_minutes, "format": hearing.get_format_display(),
                    "place": hearing.place, "message": hearing.message})


def _mail_decisions(decisions: list[Decision]) -> None:
    from applications.selectors import members_to_notify
    from labportal.services import MailRequest, Recipient, notify_many

    requests = []
    for decision in decisions:
        application = decision.application
        event = ("review_decision_selected" if decision.outcome == Decision.Outcome.SELECTED
                 else "review_decision_not_selected")
        context = {**_applicant_context(application), "message": decision.message_to_applicant,
                   "announced_at": decision.announced_at}
        if decision.lab_id:
            context["lab_url"] = _absolute(decision.lab.get_absolute_url())
        for member in members_to_notify(application.organisation):
            requests.append(MailRequest(event=event, to=Recipient.of(member),
                                        dedup_key=f"decision:{decision.pk}:announced", context=context))
    notify_many(requests)
