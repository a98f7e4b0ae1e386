"""Profile one page of the benchmark's data set in-process: `python -m bench.profile PATH [--as WHO]`.

WHO is `anonymous`, `applicant` (the first applicant in the reviewed round), `reviewer` (the one
whose draft review the benchmark opens) or `staff`. Uses the bench database (run `make bench` or
`manage.py seed_scale` first), DEBUG=0, and prints the queries and a pyinstrument call tree
(`pip install pyinstrument`; cProfile's top functions otherwise).
"""

import argparse
import sys
import time

from .inprocess import WHO, signed_in_client


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--as", dest="who", default="anonymous", choices=WHO)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--repeat", type=int, default=3, help="requests before the profiled one")
    parser.add_argument("--sql", action="store_true", help="print every query")
    args = parser.parse_args(argv)
    client = signed_in_client(args.who)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .run import delete_sessions

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
