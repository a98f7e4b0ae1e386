"""Time one page in-process, several times: `python -m bench.timepage PATH --as staff [-n 5]`.

Prints the wall and CPU time (process_time) of each request: CPU time stays comparable when the
machine is shared, wall time does not. Same set-up as bench.profile."""

import argparse
import statistics
import sys
import time

from .inprocess import WHO, signed_in_client


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--as", dest="who", default="anonymous", choices=WHO)
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args(argv)
    client = signed_in_client(args.who)
    from .run import delete_sessions

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
