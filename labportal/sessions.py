"""How long a sign-in lasts: idle limits by role, an absolute lifetime, and sign-out everywhere.

- Idle: a session unused for SESSION_IDLE_MINUTES_PRIVILEGED (staff and reviewers: the admin, with
  every application's text) or SESSION_IDLE_MINUTES_APPLICANT ends; the next request lands on the
  login page with a message, and `next` brings the user back after signing in again.
- Absolute: SESSION_MAX_HOURS after signing in, whatever the activity.
- Signing out ends all of the user's sessions in every browser, and so does disabling the
  account (labportal.models.User.save): both raise the user's session generation, which is part
  of Django's session auth hash — Django's own mechanism that ends other sessions on a password
  change, so there is no session table to scan and nothing to clean up.
"""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from .models import SecurityEvent
from .services import security_event_record, user_sessions_end

AUTH_AT = "labportal.auth_at"  # when the user signed in (epoch seconds)
SEEN_AT = "labportal.seen_at"  # the last request, to the minute
SEEN_RESOLUTION = 60  # write the session at most once a minute for activity


def idle_limit_minutes(user) -> int:
    if user.is_staff or user.is_superuser:
        return settings.SESSION_IDLE_MINUTES_PRIVILEGED
    return settings.SESSION_IDLE_MINUTES_APPLICANT


class SessionTimeoutMiddleware:
    """Ends a signed-in session after its idle limit or its absolute lifetime (see the module).
    Placed after the authentication and message middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            session = request.session
            auth_at = session.get(AUTH_AT)
            seen_at = session.get(SEEN_AT, auth_at)
            if auth_at is None:  # signed in before this middleware existed: start counting now
                session[AUTH_AT] = session[SEEN_AT] = now
            elif now - auth_at > settings.SESSION_MAX_HOURS * 3600:
                return self._expire(request, f"ログインから{settings.SESSION_MAX_HOURS}時間が経過したため、"
                                             "安全のためログアウトしました。もう一度ログインしてください。")
            elif now - seen_at > idle_limit_minutes(user) * 60:
                return self._expire(request, f"{idle_limit_minutes(user)}分以上操作がなかったため、"
                                             "安全のためログアウトしました。もう一度ログインしてください。"
                                             "ログインすると、元のページに戻ります。")
            elif now - seen_at >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)

    def _expire(self, request, message):
        # Only this browser's session ends (not logout(), which ends the user's sessions everywhere).
        security_event_record(kind=SecurityEvent.Kind.SESSION_EXPIRED, request=request)
        request.session.flush()
        request.user = AnonymousUser()
        messages.warning(request, message)
        return_to = _return_to(request)
        if not return_to:
            return redirect(settings.LOGIN_URL)
        return redirect_to_login(return_to, settings.LOGIN_URL, REDIRECT_FIELD_NAME)


def _return_to(request) -> str:
    """Where `next` should lead: the page itself for a GET; for a form sent after the limit, the
    page the form was on (what was typed is lost either way, the page is not)."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


# --- Signal receivers (connected in LabportalConfig.ready) -----------------------------------

def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[AUTH_AT] = request.session[SEEN_AT] = int(time.time())


def on_logout(sender, request, user, **kwargs):
    """Signing out in one browser signs the user out in all of them."""
    if user is not None:
        user_sessions_end(user=user)
