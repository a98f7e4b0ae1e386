"""Public pages (no login): the programme, the lab directory, a lab's page, open data."""

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import page_parts, selectors
from .filters import LabFilter
from . import opendata as opendata_module
from .models import Lab, Programme
from .opendata import lab_record, records_to_csv
from .seed_data import ACTIVITY_IMAGE, QUADRANTS


@require_GET
def home(request):
    iot_rounds = selectors.rounds_with_lab_counts("iot")
    return render(request, "labportal/home.html", {
        "dx": Programme.objects.get(code="dx"),
        "iot": Programme.objects.get(code="iot"),
        **page_parts.context(page_parts.HOME),  # criteria_set (review)
        "open_rounds": list(selectors.open_rounds()),
        "quadrants": QUADRANTS,
        "activity_image": ACTIVITY_IMAGE,
        "iot_rounds": iot_rounds,
        "iot_count": sum(selection_round.lab_count for selection_round in iot_rounds),
    })


@require_GET
def lab_list(request):
    lab_filter = LabFilter(request.GET, queryset=selectors.labs_with_register())
    labs = list(lab_filter.qs) if lab_filter.is_valid() else []
    facets = selectors.lab_facets(labs)
    return render(request, "labportal/lab_list.html", {
        "filter": lab_filter,
        "labs": labs,
        "facets": facets,
        "bureau_choices": lab_filter.form.fields["bureau"].choices,
        "kind_choices": lab_filter.form.fields["kind"].choices,
        "round_choices": [(value, label) for value, label in lab_filter.form.fields["round"].choices if value],
        "iot_count": Lab.objects.filter(programme__code="iot").count(),
    })


@require_GET
def lab_detail(request, pk):
    lab = get_object_or_404(selectors.labs_with_register(), pk=pk)
    successor = getattr(lab, "successor", None) if lab.programme.code == "iot" else None
    return render(request, "labportal/lab_detail.html", {"lab": lab, "successor": successor})


def _opendata_meta():
    labs = Lab.objects.all()
    return opendata_module.metadata(labs.count(), opendata_module.last_updated(labs))


@require_GET
def opendata(request):
    return render(request, "labportal/opendata.html", {
        "fields": opendata_module.FIELD_DOCS, "meta": _opendata_meta()})


def _records(request):
    base_url = request.build_absolute_uri("/").rstrip("/")
    return [lab_record(lab, base_url) for lab in selectors.labs_for_opendata()]


def _licence_headers(response, meta):
    # The CSV stays one header row and one row per lab (what tools expect); its licence, date
    # and row count travel in the headers and on /opendata/.
    response["Link"] = f'<{opendata_module.LICENCE_URL}>; rel="license"'
    if meta["last_updated"]:
        response["X-Data-Last-Updated"] = meta["last_updated"]
    response["X-Data-Rows"] = str(meta["count"])
    return response


@require_GET
@cache_control(max_age=60, public=True)
def opendata_labs_json(request):
    records = _records(request)
    meta = opendata_module.metadata(len(records), opendata_module.last_updated(Lab.objects.all()))
    response = JsonResponse({"metadata": meta, "fields": [
        {"name": name, "type": kind, "description": description}
        for name, kind, description in opendata_module.FIELD_DOCS], "labs": records},
        json_dumps_params={"ensure_ascii": False})
    return _licence_headers(response, meta)


@require_GET
@cache_control(max_age=60, public=True)
def opendata_labs_csv(request):
    records = _records(request)
    meta = opendata_module.metadata(len(records), opendata_module.last_updated(Lab.objects.all()))
    response = HttpResponse(records_to_csv(records), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="labs.csv"'
    return _licence_headers(response, meta)


@require_GET
def healthz(request):
    """For load balancers and compose: the process answers and the database does too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def server_error(request):
    """handler500: the portal's own error page, in Japanese, telling the user what to do.

    Rendered without a request context: the context processors and the session would ask the
    database, which may be what failed. A database that does not answer (restarting, failing
    over, out of connections) is a 503 with Retry-After: nothing was saved, and sending the same
    form again is safe (a submission is never made twice). Django calls this inside the
    `except` of the failed request, so the exception is at hand.
    """
    import sys

    from django.db import InterfaceError, OperationalError
    from django.template import loader

    unavailable = isinstance(sys.exc_info()[1], (OperationalError, InterfaceError))
    context = {"unavailable": unavailable, "SECRETARIAT_NAME": settings.SECRETARIAT_NAME,
               "SECRETARIAT_EMAIL": settings.SECRETARIAT_EMAIL}
    try:
        body = loader.get_template("500.html").render(context)
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        body = ("<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>エラー</title>"
                "<h1>ただいま処理できませんでした</h1><p>しばらくしてから、もう一度お試しください。</p></html>")
    response = HttpResponse(body, status=503 if unavailable else 500)
    if unavailable:
        response["Retry-After"] = "30"
    return response


def bad_request(request, exception):
    """handler400: in Japanese. A form larger than DATA_UPLOAD_MAX_MEMORY_SIZE or with too many
    fields gets its own explanation (what is too large, that nothing was saved, how to go back
    to what was typed), rather than Django's bare "Bad Request"."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

    too_big = isinstance(exception, (RequestDataTooBig, TooManyFieldsSent))
    return render(request, "400.html", {
        "too_big": too_big,
        "limit_mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024),
    }, status=413 if too_big else 400)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form was sent from a page that is too old (signed out and in again
    in another tab, a session that ended) or cookies are blocked. Say so in Japanese, with the
    way back to what was typed, instead of Django's technical page."""
    from django.middleware.csrf import REASON_NO_CSRF_COOKIE

    from .models import SecurityEvent
    from .services import security_event_record

    # Mostly an old tab or blocked cookies; now and then a forged form from another site. Staff
    # see both in the security log (the reason as Django gives it, e.g. "CSRF token incorrect.").
    security_event_record(kind=SecurityEvent.Kind.CSRF_REFUSED, request=request, target=f"CSRF: {reason}")
    return render(request, "403_csrf.html", {"no_cookie": reason == REASON_NO_CSRF_COOKIE}, status=403)
