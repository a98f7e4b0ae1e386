"""The security log's sources: who asked from where, authentication signals, refused accesses.

What is recorded (one SecurityEvent row each, by labportal.services.security_event_record):

- sign-ins, failed sign-ins and lockouts (Django's and django-axes' signals), sign-outs, password
  changes and resets (allauth's signals), wrong second-factor codes (allauth.mfa's signal);
- refused accesses, at one place: the access helpers raise `AccessRefused` (a 404, so an id of
  another organisation still looks exactly like one that does not exist) and
  `SecurityLogMiddleware` records it, together with every PermissionDenied a signed-in user meets
  (the admin's, the role checks of the applicant and staff pages).

Ordinary 404s (a mistyped URL, crawlers on public pages) are not security events and are not
recorded: they say nothing about anybody's right to anything, and would bury what matters.
"""

import ipaddress

from django.apps import apps
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import SecurityEvent
from .services import security_event_record


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind our TLS proxy (BEHIND_TLS_PROXY) the last
    address of X-Forwarded-For, the one the proxy itself appended (earlier ones are whatever the
    client sent). Lockouts are keyed on it, so it must not be something a client can choose."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            address = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class AccessRefused(Http404):
    """Raised by the access helpers for an object the user may not see. It answers 404 like any
    missing object; SecurityLogMiddleware records it as a refused access."""

    def __init__(self, target: str, pk=None):
        self.target = f"{target} #{pk}"[:200] if pk is not None else target[:200]
        super().__init__(self.target)


class SecurityLogMiddleware:
    """Records refused accesses raised by views: AccessRefused always, PermissionDenied for a
    signed-in user. Returns nothing, so Django answers 404 / 403 exactly as without it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, AccessRefused):
            security_event_record(kind=SecurityEvent.Kind.ACCESS_REFUSED, request=request,
                                  target=exception.target)
        elif isinstance(exception, PermissionDenied) and request.user.is_authenticated:
            security_event_record(kind=SecurityEvent.Kind.ACCESS_REFUSED, request=request,
                                  target="権限のないページ")
        return None


# --- Signal receivers (connected in LabportalConfig.ready) -----------------------------------

def _attempted_login(credentials) -> str:
    credentials = credentials or {}
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()[:254]


def on_login(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEvent.Kind.LOGIN, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    """A wrong password, or an attempt axes refused. Connected after axes' own receiver, which
    flags the request when this attempt locked the account or it was locked already."""
    locked = request is not None and getattr(request, "axes_locked_out", False)
    security_event_record(
        kind=SecurityEvent.Kind.LOCKED_OUT if locked else SecurityEvent.Kind.LOGIN_FAILED,
        request=request, identifier=_attempted_login(credentials))


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(kind=SecurityEvent.Kind.LOGOUT, request=request, user=user,
                              target="すべての端末のセッションを終了")


def on_password_changed(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=user)


def on_password_reset(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEvent.Kind.PASSWORD_RESET, request=request, user=user)


def on_mfa_failed(sender, request, user, authenticator=None, **kwargs):
    kind = getattr(authenticator, "get_type_display", lambda: "")()
    security_event_record(kind=SecurityEvent.Kind.MFA_FAILED, request=request, user=user,
                          target=f"{kind}（再認証）" if kwargs.get("reauthentication") else kind)


def connect_signals():
    from allauth.account import signals as account_signals

    auth_signals.user_logged_in.connect(on_login, dispatch_uid="labportal.security.login")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid="labportal.security.login_failed")
    auth_signals.user_logged_out.connect(on_logout, dispatch_uid="labportal.security.logout")
    account_signals.password_changed.connect(on_password_changed, dispatch_uid="labportal.security.pw_changed")
    account_signals.password_set.connect(on_password_changed, dispatch_uid="labportal.security.pw_set")
    account_signals.password_reset.connect(on_password_reset, dispatch_uid="labportal.security.pw_reset")
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa import signals as mfa_signals

        mfa_signals.authentication_failed.connect(on_mfa_failed, dispatch_uid="labportal.security.mfa_failed")
