"""No address answers 500, whatever is typed in it (issue 15, "No 500").

The walk takes every ModelAdmin registered on the admin site and every export URL the resolver
knows, so a new admin or export is covered without a test of its own (as test_url_access covers
every URL). For each admin: its changelist with every list filter's parameters and the date
hierarchy given values of the wrong kind or out of range, and every date field's `__year` lookup
out of range; its object, history, delete (and simple_history version) pages with ids that are not
numbers or do not fit a database integer. Each may answer as Django's admin answers a bad lookup
(back to the list with ?e=1, or to the index for an object that does not exist), 400 or 404 — but
never 500. The walker is staff with two-factor authentication, and a superuser (who sees every
admin, third-party ones too)."""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.db import models
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from simple_history.admin import SimpleHistoryAdmin

from tests.labportal.test_url_access import build_data_set
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

# What a person (or a probe) may type where a number, a code or a date is expected.
BAD_VALUES = ["abc", "99999999999999999999", "-1", "1.5", "\x00", "９"]
BAD_YEARS = ["99999", "9999", "99999999999999999999", "0", "abc"]
BAD_IDS = ["abc", "99999999999999999999", "-1", "1.5", "%E3%81%82"]


def _outcome_ok(response) -> bool:
    return response.status_code < 500


def _list_filter_parameters(model_admin, user) -> set[str]:
    """The query parameters of every list filter of the admin, as its changelist builds them."""
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    parameters = set()
    for spec in changelist.filter_specs:
        parameters.update(spec.expected_parameters())
    return parameters


def _date_fields(model) -> list[str]:
    return [f.name for f in model._meta.get_fields()
            if isinstance(f, (models.DateField, models.DateTimeField)) and f.concrete]


def _changelist_queries(model_admin, user) -> list[dict]:
    queries = [{"nonsense": "1"}, {"o": "abc"}, {"o": "999"}, {"p": "abc"}, {"p": "99999999999999999999"}]
    for parameter in sorted(_list_filter_parameters(model_admin, user)):
        queries += [{parameter: value} for value in BAD_VALUES]
    for field in _date_fields(model_admin.model):
        queries += [{f"{field}__year": year} for year in BAD_YEARS]
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        queries += [{f"{field}__year": year} for year in BAD_YEARS]
        queries += [{f"{field}__year": "2026", f"{field}__month": month} for month in ("13", "0", "abc")]
        queries += [{f"{field}__year": "9999", f"{field}__month": "12"},
                    {f"{field}__year": "9999", f"{field}__month": "12", f"{field}__day": "31"},
                    {f"{field}__year": "2026", f"{field}__month": "2", f"{field}__day": "30"}]
    return queries


def _walker():
    """Staff with two-factor authentication, superuser too: sees every admin, third-party ones too."""
    return StaffFactory(is_superuser=True, email="root-walker@example.go.jp")


def _walk_admin(client, user) -> list[str]:
    problems = []
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        if not model_admin.has_view_or_change_permission(_request_as(user)):
            continue
        for query in _changelist_queries(model_admin, user):
            target = f"{base}?{urlencode(query)}"
            response = client.get(target)
            if not _outcome_ok(response):
                problems.append(f"GET {target}: {response.status_code}")
        for bad_id in BAD_IDS:
            targets = [f"{base}{bad_id}/change/", f"{base}{bad_id}/history/", f"{base}{bad_id}/delete/"]
            if isinstance(model_admin, SimpleHistoryAdmin):
                first = model._default_manager.order_by("pk").values_list("pk", flat=True).first() or 1
                targets += [f"{base}{first}/history/{bad_id}/", f"{base}{bad_id}/history/1/"]
            for target in targets:
                response = client.get(target)
                if not _outcome_ok(response):
                    problems.append(f"GET {target}: {response.status_code}")
    return problems


def _request_as(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def export_urls(data_set) -> list[str]:
    """Every URL of the resolver whose route serves a file (.csv, .xlsx, export), its ids filled
    from the data set (a round's review settings) or, failing that, with 1."""

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                route = prefix + str(pattern.pattern)
                if any(word in route for word in (".csv", ".xlsx", "export")):
                    yield (f"{inner}:{pattern.name}" if (inner := namespace) else pattern.name), pattern

    urls = []
    for name, pattern in walk(get_resolver().url_patterns):
        arguments = list(pattern.pattern.converters)
        args = [data_set.round_settings.pk if "roundreviewsettings" in name else 1 for _ in arguments]
        urls.append(reverse(name, args=args))
    return urls


def test_export_urls_are_found_from_the_resolver(data_set):
    urls = export_urls(data_set)
    assert {"/admin/applications/application/export.csv", "/admin/applications/application/export.xlsx",
            reverse("transition:export_csv")} <= set(urls)


@pytest.fixture
def data_set(db):
    return build_data_set()


def test_no_admin_page_answers_500_to_bad_filters_dates_or_ids(data_set):
    user = _walker()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    assert _walk_admin(client, user) == []


def test_no_export_answers_500_to_unknown_or_bad_parameters(data_set):
    user = _walker()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    queries = [{"nonsense": "1"}, {"submitted_at__year": "99999"}, {"selection_round": "abc"},
               {"prefecture": "abc"}, {"round": "abc"}, {"state": "abc"}, {"o": "abc"}]
    problems = []
    for export in export_urls(data_set):
        for query in queries:
            target = f"{export}?{urlencode(query)}"
            response = client.get(target)
            if not _outcome_ok(response):
                problems.append(f"GET {target}: {response.status_code}")
    assert problems == []


def test_unknown_export_parameter_goes_back_to_the_list_as_a_bad_lookup(data_set, client):
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:applications_application_export_csv") + "?nonsense=1")
    assert (response.status_code, response["Location"]) == (
        302, reverse("admin:applications_application_changelist") + f"?{ERROR_FLAG}=1")
