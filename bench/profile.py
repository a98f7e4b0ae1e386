"""Profile one page of the benchmark's data set in-process: `python -m bench.profile PATH [--as WHO]`.

WHO is `anonymous`, `applicant` (the first applicant in the reviewed round), `reviewer` (the one
whose draft review the benchmark opens) or `staff`. Uses the bench database (run `make bench` or
`manage.py seed_scale` first), DEBUG=0, and prints the queries and a pyinstrument call tree
(`pip install pyinstrument`; cProfile's top functions otherwise).
"""

import argparse
import os
import secrets
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--as", dest="who", default="anonymous",
                        choices=["anonymous", "applicant", "reviewer", "staff", "drafter"])
    parser.add_argument("--method", default="GET")
    parser.add_argument("--repeat", type=int, default=3, help="requests before the profiled one")
    parser.add_argument("--sql", action="store_true", help="print every query")
    args = parser.parse_args(argv)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "labportal.settings", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labportal_bench"),
        "CELERY_BROKER_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0", "BENCH_ENDPOINTS": "1", "STATIC_MANIFEST": "0", "LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .run import Fixtures, delete_sessions

    fixtures = Fixtures()
    user_id = {"anonymous": None, "applicant": fixtures.reviewed[1], "reviewer": fixtures.reviewer_id,
               "staff": fixtures.staff.pk, "drafter": fixtures.drafts[0][1]}[args.who]
    client = Client(HTTP_HOST="127.0.0.1")
    if user_id is not None:
        client.cookies["sessionid"] = fixtures.sessions[user_id]
    try:
        for _ in range(args.repeat):
            client.generic(args.method, args.path)
        try:
            from pyinstrument import Profiler
        except ImportError:
            Profiler = None
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            if Profiler:
                profiler = Profiler(interval=0.0005)
                profiler.start()
            else:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            response = client.generic(args.method, args.path)
            elapsed = (time.perf_counter() - started) * 1000
            if Profiler:
                profiler.stop()
            else:
                profiler.disable()
        print(f"{args.method} {args.path} as {args.who}: {response.status_code}, {elapsed:.1f} ms, "
              f"{len(queries)} queries, {len(response.content)} bytes")
        for number, query in enumerate(queries.captured_queries, start=1):
            sql = query["sql"]
            print(f"  {number:3d} {query['time']}s {sql if args.sql else sql[:160]}")
        if Profiler:
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        else:
            import pstats

            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    finally:
        delete_sessions()
    return 0


if __name__ == "__main__":
    sys.exit(main())
