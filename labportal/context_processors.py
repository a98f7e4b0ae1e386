from django.conf import settings

from .sessions import idle_limit_minutes


def portal(request):
    user = getattr(request, "user", None)
    return {
        "SECRETARIAT_NAME": settings.SECRETARIAT_NAME,
        "SECRETARIAT_EMAIL": settings.SECRETARIAT_EMAIL,
        # For the session-timeout warning (templates/includes/session_timeout.html); no query.
        "SESSION_IDLE_SECONDS": idle_limit_minutes(user) * 60 if user and user.is_authenticated else 0,
    }
