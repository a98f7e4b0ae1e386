"""Characters nobody can see are removed wherever text is stored (issue 15), and the person who
sent them is told (issue 14).

Two places remove them (labportal.normalise.visible decides what they are):
- every form of the portal, through applications.forms.InputMixin, before validation;
- every save of a model of ours (`strip_invisible_on_save`, a pre_save receiver), so that what
  reaches the database by another way (the admin's own forms, a service fed by a task) is
  cleaned too. Rows written by bulk_create or update() do not pass here: those carry data the
  portal made itself.

Either place tells the person with one message on the next page they see (the page shown again
with the form's errors, or the page after a redirect): the request is the one django-simple-history's
middleware already keeps for the history rows. Without a request (a task, a management command)
nothing is said.
"""

from django.contrib import messages
from django.db import models

MESSAGE = ("入力に含まれていた見えない文字（ゼロ幅スペースや制御文字など）を取り除きました。"
           "画面に表示される文字はそのまま残っています。")

# Rows that record what the portal received or rendered, not what a person typed for it to keep.
_NOT_CLEANED = {("labportal", "securityevent"), ("labportal", "outboxmail"), ("labportal", "clockevent"),
                ("labportal", "clocklock")}
_APPS = {"labportal", "applications", "review", "transition"}


def current_request():
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def note_invisible_removed(request=None) -> None:
    """Tell the person of the current request, once per request, that invisible characters went."""
    request = request or current_request()
    if request is None or getattr(request, "_invisible_removed_noted", False):
        return
    request._invisible_removed_noted = True
    messages.info(request, MESSAGE, fail_silently=True)


def _text_fields(model):
    return [f for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]


def strip_invisible_on_save(sender, instance, raw=False, **kwargs):
    from .normalise import visible_and_removed

    opts = sender._meta
    if raw or opts.app_label not in _APPS or (opts.app_label, opts.model_name) in _NOT_CLEANED \
            or sender.__name__.startswith("Historical"):
        return
    removed = False
    for field in _text_fields(sender):
        value = getattr(instance, field.attname)
        if isinstance(value, str) and value:
            cleaned, changed = visible_and_removed(value)
            if cleaned != value:
                setattr(instance, field.attname, cleaned)
            removed = removed or changed
    if removed:
        note_invisible_removed()


def connect() -> None:
    models.signals.pre_save.connect(strip_invisible_on_save, dispatch_uid="labportal.input_notice.strip")
