"""Browsers' reports of what the Content Security Policy blocked, into the security log (issue 15).

The policy (settings.CONTENT_SECURITY_POLICY) names this endpoint twice: `report-uri` (the
`application/csp-report` body every browser still sends) and `report-to` (the Reporting API's
`application/reports+json`, whose endpoint ReportingEndpointsMiddleware announces). Browsers send
reports without a CSRF token and without a session one can trust, so the endpoint:

- takes POST only, without the CSRF check (a report changes nothing but the log);
- reads at most CSP_REPORT_MAX_BYTES of the body and refuses a longer one (413) unread;
- records at most CSP_REPORTS_PER_MINUTE reports a minute from one address, and
  CSP_REPORTS_PER_MINUTE_TOTAL from everyone (the cache counts them), answering 429 past that;
- records each violation once as a SecurityEvent (CSP違反の報告) with the directive, the blocked
  address and the page; what it cannot read is answered 400 and recorded nowhere.
"""

import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import SecurityEvent
from .security import client_ip
from .services import security_event_record

logger = logging.getLogger(__name__)

REPORT_TYPES = ("application/csp-report", "application/reports+json", "application/json")
ENDPOINT_GROUP = "csp-endpoint"


def _allowed(request) -> bool:
    """Counts this report in the minute's budgets; False when one of them is spent."""
    budgets = [(f"csp-report:ip:{client_ip(request) or '-'}", settings.CSP_REPORTS_PER_MINUTE),
               ("csp-report:all", settings.CSP_REPORTS_PER_MINUTE_TOTAL)]
    for key, limit in budgets:
        cache.add(key, 0, timeout=60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=60)
            count = 1
        if count > limit:
            return False
    return True


def _violations(payload) -> list[dict]:
    """The reports of a body: {"csp-report": {...}} (report-uri) or [{"type": "csp-violation",
    "body": {...}}, ...] (report-to), with the Reporting API's names mapped to report-uri's."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list):
        found = []
        for item in payload[:10]:
            if isinstance(item, dict) and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict):
                body = item["body"]
                found.append({"effective-directive": body.get("effectiveDirective"),
                              "blocked-uri": body.get("blockedURL"), "document-uri": body.get("documentURL")})
        return found
    return []


def _target(violation: dict) -> str:
    directive = str(violation.get("effective-directive") or violation.get("violated-directive") or "?")
    blocked = str(violation.get("blocked-uri") or "?")
    page = str(violation.get("document-uri") or "?")
    return f"{directive[:40]}: {blocked[:80]}（ページ: {page[:60]}）"


@csrf_exempt
@require_POST
def csp_report(request):
    content_type = request.content_type or ""
    if content_type not in REPORT_TYPES:
        return HttpResponse(status=415)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse(status=400)
    limit = settings.CSP_REPORT_MAX_BYTES
    if length > limit:
        return HttpResponse(status=413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponse(status=413)
    if not _allowed(request):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    try:
        violations = _violations(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return HttpResponse(status=400)
    if not violations:
        return HttpResponse(status=400)
    for violation in violations:
        security_event_record(kind=SecurityEvent.Kind.CSP_VIOLATION, request=request, target=_target(violation))
    return HttpResponse(status=204)


class ReportingEndpointsMiddleware:
    """Announces the report endpoint to the Reporting API (the policy's `report-to` names it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response and "Reporting-Endpoints" not in response:
            url = request.build_absolute_uri(reverse("csp_report"))
            response["Reporting-Endpoints"] = f'{ENDPOINT_GROUP}="{url}"'
        return response
