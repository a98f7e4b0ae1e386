"""Time one page in-process, several times: `python -m bench.timepage PATH --as staff [-n 5]`.

Prints the wall and CPU time (process_time) of each request: CPU time stays comparable when the
machine is shared, wall time does not. Same set-up as bench.profile."""

import argparse
import os
import secrets
import statistics
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--as", dest="who", default="anonymous",
                        choices=["anonymous", "applicant", "reviewer", "staff", "drafter"])
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "labportal.settings", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labportal_bench"),
        "CELERY_BROKER_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "STATIC_MANIFEST": "0", "LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()
    from django.test import Client

    from .run import Fixtures, delete_sessions

    fixtures = Fixtures()
    user_id = {"anonymous": None, "applicant": fixtures.reviewed[1], "reviewer": fixtures.reviewer_id,
               "staff": fixtures.staff.pk, "drafter": fixtures.drafts[0][1]}[args.who]
    client = Client(HTTP_HOST="127.0.0.1")
    if user_id is not None:
        client.cookies["sessionid"] = fixtures.sessions[user_id]
    try:
        client.get(args.path)
        walls, cpus = [], []
        for _ in range(args.n):
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(args.path)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        print(f"{args.path}: {response.status_code}, {len(response.content)} bytes; wall median "
              f"{statistics.median(walls):.0f} ms, CPU median {statistics.median(cpus):.0f} ms (this process)")
    finally:
        delete_sessions()
    return 0


if __name__ == "__main__":
    sys.exit(main())
