"""Lockout after failed sign-ins (django-axes), fitted to the portal.

A lock holds one e-mail address *from one IP address* (AXES_LOCKOUT_PARAMETERS): someone guessing
from elsewhere cannot lock a municipality out of its own account, and one address guessed from
many places is still slowed at each. The portal's login form is the only password form (the
admin's login hands over to it); the lock applies to it, to allauth's re-authentication and to
anything else that calls django.contrib.auth.authenticate with the request. A password reset
neither signs in (ACCOUNT_LOGIN_ON_PASSWORD_RESET is off) nor lifts a lock. Staff release locks in
the admin (ログインのロック).
"""

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.dateformat import format as format_date

from .security import client_ip


def attempted_username(request, credentials) -> str:
    """The address a sign-in tried, as axes keys its records on: lower case, like our accounts."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if value is None and request is not None:
        value = getattr(request, "POST", {}).get("username")
    return str(value or "").strip().lower()[:254]


def locked_until(request, username: str):
    """When the lock of `username` from this request's address ends (aware datetime), or None."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    cool_off = get_cool_off(request)
    last = (AccessAttempt.objects.filter(username=username, ip_address=client_ip(request))
            .aggregate(last=Max("attempt_time"))["last"])
    if last is None or cool_off is None:
        return None
    return last + cool_off


def lockout_message(request, username: str) -> str:
    until = locked_until(request, username)
    if until is None:
        when = "しばらくしてから"
    else:
        local = timezone.localtime(until)
        pattern = "G時i分" if local.date() == timezone.localdate() else "n月j日 G時i分"
        when = f"{format_date(local, pattern)}以降に"
    return (f"ログインに続けて失敗したため、このメールアドレスでのログインを一時的に止めています。{when}"
            "もう一度お試しください。パスワードがわからない場合は「パスワードをお忘れの方」から再設定できます"
            f"（ロックはそのまま続きます）。お急ぎの場合は事務局（{settings.SECRETARIAT_EMAIL}）にご連絡ください。")


def lockout_response(request, original_response, credentials):
    """axes' AXES_LOCKOUT_CALLABLE: the page the form was on (the login form says why, with
    lockout_message), answered 429 Too Many Requests instead of axes' English page."""
    if original_response is None:
        from django.http import HttpResponse

        return HttpResponse(lockout_message(request, attempted_username(request, credentials)),
                            status=429, content_type="text/plain; charset=utf-8")
    if original_response.status_code == 200:
        original_response.status_code = 429
    return original_response
