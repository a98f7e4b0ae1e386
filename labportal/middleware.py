"""Server-Timing: how long the server spent on a response, and on how many queries.

On when SERVER_TIMING is set (the benchmark turns it on; staff can too, in staging): each
response gets `Server-Timing: app;dur=<ms>, db;dur=<ms>;desc="<n> queries"`, which browsers'
developer tools show and `make bench` reads. Off, it costs nothing.
"""

import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections


class ServerTimingMiddleware:
    def __init__(self, get_response):
        if not settings.SERVER_TIMING:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        counter = _QueryCounter()
        started = time.perf_counter()
        with connections["default"].execute_wrapper(counter):
            response = self.get_response(request)  # template responses are rendered by now
        elapsed_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (f'app;dur={elapsed_ms:.2f}, '
                                     f'db;dur={counter.seconds * 1000:.2f};desc="{counter.count} queries"')
        return response


class _QueryCounter:
    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started
