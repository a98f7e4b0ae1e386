"""Mail of the applications app, through the portal's outbox (labportal.services.notify).

Every event's text is templates/mail/<event>.txt (first line: the subject). Context values are
plain JSON (strings, numbers, ISO datetimes): the outbox stores them with the row."""

from django.conf import settings
from django.urls import reverse


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def notify(*, event: str, to, dedup_key: str, context: dict):
    from labportal.services import notify as outbox_notify

    return outbox_notify(event=event, to=to, dedup_key=dedup_key, context=context)


def application_context(application) -> dict:
    basic = getattr(application, "basic", None)
    round_ = application.selection_round
    return {
        "organisation_name": application.organisation.name,
        "lab_name": (basic.lab_name if basic else "") or "（名称未入力）",
        "round_name": str(round_),
        "closes_at": round_.closes_at.isoformat() if round_.closes_at else "",
        "receipt_number": application.receipt_number or "",
        "state": application.get_state_display(),
        "url": absolute(reverse("applications:detail", args=[application.pk])),
    }
