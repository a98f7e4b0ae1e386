"""The benchmark's HTTP side, without Django: requests with Server-Timing read back, forms parsed
out of pages, and the statistics. Kept apart from bench.run so that tests can use it cheaply."""

import http.client
import math
import re
import statistics
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

SERVER_TIMING = re.compile(r'app;dur=(?P<app>[\d.]+),\s*db;dur=(?P<db>[\d.]+);desc="(?P<queries>\d+) queries"')


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    wall_ms: float
    app_ms: float | None = None
    db_ms: float | None = None
    queries: int | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def cookie(self, name: str) -> str | None:
        for value in self.headers.get("set-cookie", []):
            first = value.split(";", 1)[0]
            key, _, val = first.partition("=")
            if key.strip() == name:
                return val.strip()
        return None


def parse_server_timing(header: str | None) -> tuple[float | None, float | None, int | None]:
    """(app ms, db ms, queries) from labportal's Server-Timing header, or Nones."""
    match = SERVER_TIMING.search(header or "")
    if not match:
        return None, None, None
    return float(match["app"]), float(match["db"]), int(match["queries"])


class Client:
    """One HTTP/1.1 request per connection (gunicorn's sync workers close it anyway)."""

    def __init__(self, host: str, port: int, timeout: float = 60):
        self.host, self.port, self.timeout = host, port, timeout

    def request(self, method: str, path: str, *, cookies: dict | None = None,
                data: list[tuple[str, str]] | None = None) -> Response:
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "labportal-bench",
                   "Accept": "text/html,*/*"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            payload = raw.read()
            collected: dict = {}
            for key, value in raw.getheaders():
                key = key.lower()
                if key == "set-cookie":
                    collected.setdefault(key, []).append(value)
                else:
                    collected[key] = value
        finally:
            connection.close()
        wall_ms = (time.perf_counter() - started) * 1000
        app, db, queries = parse_server_timing(collected.get("server-timing"))
        return Response(raw.status, collected, payload, wall_ms, app, db, queries)


# --- Forms ----------------------------------------------------------------------------------------

@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> set[str]:
        return {name for name, _ in self.fields}

    def get(self, name: str) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def replace(self, name: str, value: str) -> None:
        self.fields = [(k, value if k == name else v) for k, v in self.fields]


class _FormParser(HTMLParser):
    """What a browser would submit for each form: inputs, checked boxes, textareas, selected options."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._select_multiple = False
        self._options: list[tuple[str, bool]] = []
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text: list[str] = []
        self._in_option = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            name, kind = a.get("name"), a.get("type", "text").lower()
            if not name or kind in ("submit", "button", "image", "reset", "file") or "disabled" in a:
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            self._form.fields.append((name, value))
        elif tag == "textarea" and a.get("name") and "disabled" not in a:
            self._textarea, self._text = a["name"], []
        elif tag == "select" and a.get("name") and "disabled" not in a:
            self._select, self._select_multiple, self._options = a["name"], "multiple" in a, []
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = []
            self._in_option = True

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)
        if self._in_option:
            self._option_text.append(data)

    def _close_option(self):
        if self._select is not None and self._in_option:
            value = self._option_value if self._option_value is not None else "".join(self._option_text).strip()
            self._options.append((value, self._option_selected))
        self._option_value, self._option_selected, self._option_text = None, False, []
        self._in_option = False

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            if text.startswith("\n"):  # the HTML parser keeps the newline a browser drops
                text = text[1:]
            self._form.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not self._select_multiple and self._options:
                chosen = [self._options[0][0]]
            self._form.fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "form":
            self._form = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def find_form(html: str, *, having: str) -> Form:
    """The first form with a field named `having` (e.g. the section form's `version`)."""
    for form in parse_forms(html):
        if having in form.names():
            return form
    raise LookupError(f"no form with a field {having!r}")


# --- Statistics -----------------------------------------------------------------------------------

def percentile(values, q: float) -> float | None:
    """Nearest-rank percentile (q in 0–100): the smallest value with at least q% at or below it."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def summary(values) -> dict:
    present = [v for v in values if v is not None]
    return {"n": len(present), "median": _round(median(present)), "p95": _round(percentile(present, 95)),
            "p99": _round(percentile(present, 99)), "max": _round(max(present) if present else None)}


def _round(value, places=2):
    return None if value is None else round(value, places)
