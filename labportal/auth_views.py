"""Sign-in views of the portal's own, beside allauth's.

One login form for everybody: the Django admin's own login page hands over to the portal's.

The portal's login (django-allauth) is where lockout after failed attempts and the second factor
apply; a second, older form at /admin/login/ would be a way around both. Staff and reviewers
who open the admin are sent to the portal's login and come back to the admin afterwards.
"""

import time

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from .sessions import SEEN_AT, idle_limit_minutes


def admin_login(request):
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        # Signed in, but not someone the admin is for: say so instead of a login loop.
        return render(request, "labportal/admin_forbidden.html", status=403)
    return redirect(f"{resolve_url('login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


@require_POST
def session_keepalive(request):
    """「ログインを続ける」: the session-timeout warning (static/js/session-timeout.js) posts here
    to count as activity, so a person who is reading or typing is not signed out. A session that
    has already ended answers 401 (the idle middleware has run before this view)."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "ログインの有効期限が切れています。もう一度ログインしてください。"}, status=401)
    request.session[SEEN_AT] = int(time.time())
    return JsonResponse({"idle_seconds": idle_limit_minutes(request.user) * 60})
