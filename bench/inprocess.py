"""The set-up bench.profile and bench.timepage share: Django on the bench database with DEBUG=0,
and a test client signed in as one of the benchmark's people."""

import os
import secrets

WHO = ["anonymous", "applicant", "reviewer", "staff", "drafter"]


def signed_in_client(who: str):
    """A django.test.Client signed in as `who` (one of WHO). Call bench.run.delete_sessions() after."""
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "labportal.settings", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labportal_bench"),
        "CELERY_BROKER_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0", "BENCH_ENDPOINTS": "1", "STATIC_MANIFEST": "0", "LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()
    from django.test import Client

    from .run import Fixtures

    fixtures = Fixtures()
    user_id = {"anonymous": None, "applicant": fixtures.reviewed[1], "reviewer": fixtures.reviewer_id,
               "staff": fixtures.staff.pk, "drafter": fixtures.drafts[0][1]}[who]
    client = Client(HTTP_HOST="127.0.0.1")
    if user_id is not None:
        client.cookies["sessionid"] = fixtures.sessions[user_id]
    return client
