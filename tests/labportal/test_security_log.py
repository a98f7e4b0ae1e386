"""The security log (SecurityEvent): sign-ins, failures, lockouts, sign-outs, password changes and
resets, wrong second-factor codes, and refused accesses — who, what, when, from where — and the
staff's read-only view of it in the admin."""

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from labportal.models import OutboxMail, SecurityEvent
from tests.factories import (
    ApplicantFactory,
    OrganisationFactory,
    PASSWORD,
    ReviewerFactory,
    StaffFactory,
    assign,
    make_application,
    make_review_round,
    member_of,
)
from tests.two_factor import totp_code, wrong_totp_code

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"
Kind = SecurityEvent.Kind


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # allauth's rate limits and used TOTP codes


def _client(ip="198.51.100.7"):
    return Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=BROWSER)


def _log_in(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def _events(*fields):
    return list(SecurityEvent.objects.order_by("id").values_list(*fields))


def test_login_recorded_with_who_where_and_how():
    applicant = ApplicantFactory()
    _log_in(_client(), applicant.email)
    assert _events("kind", "user", "identifier", "ip_address", "user_agent", "method", "path") == [
        (Kind.LOGIN, applicant.pk, applicant.email, "198.51.100.7", BROWSER, "POST", "/accounts/login/")]


def test_failed_login_recorded_with_the_address_tried():
    _log_in(_client(), "Nobody@City.example.jp", "guess")
    assert _events("kind", "user", "identifier", "ip_address") == [
        (Kind.LOGIN_FAILED, None, "nobody@city.example.jp", "198.51.100.7")]


def test_lockout_recorded_at_the_fifth_failure_and_each_try_during_it():
    applicant = ApplicantFactory()
    client = _client()
    for _ in range(6):
        _log_in(client, applicant.email, "guess")
    assert [kind for (kind,) in _events("kind")] == [Kind.LOGIN_FAILED] * 4 + [Kind.LOCKED_OUT] * 2


def test_logout_recorded():
    applicant = ApplicantFactory()
    client = _client()
    client.force_login(applicant)
    client.post(reverse("logout"))
    assert _events("kind", "user", "target")[-1] == (Kind.LOGOUT, applicant.pk, "すべての端末のセッションを終了")


def test_password_change_recorded():
    applicant = ApplicantFactory()
    client = _client()
    _log_in(client, applicant.email)
    client.post("/accounts/password/change/", {"oldpassword": PASSWORD, "password1": "another long passphrase 7",
                                               "password2": "another long passphrase 7"})
    assert _events("kind", "user")[-1] == (Kind.PASSWORD_CHANGED, applicant.pk)


def test_password_reset_recorded():
    applicant = ApplicantFactory()
    client = _client()
    client.post(reverse("password_reset"), {"email": applicant.email})
    link = urlsplit(OutboxMail.objects.get(event="account_password_reset").context["link"]).path
    set_password = client.get(link)["Location"]
    client.post(set_password, {"password1": "another long passphrase 7", "password2": "another long passphrase 7"})
    assert _events("kind", "user") == [(Kind.PASSWORD_RESET, applicant.pk)]


def test_wrong_second_factor_code_recorded():
    staff = StaffFactory()
    client = _client()
    _log_in(client, staff.email)
    client.post("/accounts/2fa/authenticate/", {"code": wrong_totp_code(staff.totp_secret)})
    assert _events("kind", "user", "path") == [(Kind.MFA_FAILED, staff.pk, "/accounts/2fa/authenticate/")]


def test_right_second_factor_code_records_the_login_only():
    staff = StaffFactory()
    client = _client()
    _log_in(client, staff.email)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(staff.totp_secret)})
    assert _events("kind", "user") == [(Kind.LOGIN, staff.pk)]


# --- Refused accesses ------------------------------------------------------------------------

def test_other_organisations_application_answers_404_and_is_recorded():
    selection_round = make_review_round()
    theirs = make_application(selection_round)
    intruder = member_of(OrganisationFactory())
    client = _client()
    client.force_login(intruder)
    SecurityEvent.objects.all().delete()  # the login
    response = client.get(reverse("applications:detail", args=[theirs.pk]))
    assert (response.status_code, _events("kind", "user", "target", "path")) == (
        404, [(Kind.ACCESS_REFUSED, intruder.pk, f"申請 #{theirs.pk}", f"/applications/{theirs.pk}/")])


def test_other_reviewers_review_answers_404_and_is_recorded():
    application = make_application(make_review_round())
    review = assign(application, ReviewerFactory())
    intruder = ReviewerFactory()
    client = _client()
    client.force_login(intruder)
    SecurityEvent.objects.all().delete()
    response = client.get(reverse("admin:review_assignedreview_change", args=[review.pk]))
    assert (response.status_code, _events("kind", "user", "target")) == (
        404, [(Kind.ACCESS_REFUSED, intruder.pk, f"審査 #{review.pk}")])


def test_reviewer_refused_an_admin_page_is_recorded():
    reviewer = ReviewerFactory()
    client = _client()
    client.force_login(reviewer)
    SecurityEvent.objects.all().delete()
    response = client.get(reverse("admin:labportal_lab_changelist"))
    assert (response.status_code, _events("kind", "user", "target", "path")) == (
        403, [(Kind.ACCESS_REFUSED, reviewer.pk, "権限のないページ", "/admin/labportal/lab/")])


def test_missing_public_page_is_not_a_security_event():
    response = _client().get("/labs/99999999/")
    assert (response.status_code, _events("kind")) == (404, [])


def test_login_goes_on_when_the_log_cannot_be_written():
    applicant = ApplicantFactory()
    with connection.cursor() as cursor:  # the table is gone (rolled back with the test)
        cursor.execute("ALTER TABLE labportal_securityevent RENAME TO labportal_securityevent_gone")
    client = _client()
    response = _log_in(client, applicant.email)
    assert (response.status_code, client.get(reverse("applications:dashboard")).status_code) == (302, 200)


# --- The admin: staff read, search and filter; nobody edits -----------------------------------

def _staff_client():
    client = _client()
    client.force_login(StaffFactory())
    return client


def test_staff_search_the_log_by_address():
    _log_in(_client(), "someone@city.example.jp", "guess")
    _log_in(_client(), "other@city.example.jp", "guess")
    response = _staff_client().get(reverse("admin:labportal_securityevent_changelist"), {"q": "someone@"})
    assert [e.identifier for e in response.context["cl"].result_list] == ["someone@city.example.jp"]


def test_staff_filter_the_log_by_kind():
    _log_in(_client(), "someone@city.example.jp", "guess")
    response = _staff_client().get(reverse("admin:labportal_securityevent_changelist"),
                                   {"kind__exact": Kind.LOGIN_FAILED})
    assert [e.get_kind_display() for e in response.context["cl"].result_list] == ["ログイン失敗"]


def test_log_cannot_be_added_changed_or_deleted_in_the_admin():
    _log_in(_client(), "someone@city.example.jp", "guess")
    event = SecurityEvent.objects.get()
    client = _staff_client()
    statuses = (client.get(reverse("admin:labportal_securityevent_add")).status_code,
                client.post(reverse("admin:labportal_securityevent_change", args=[event.pk]),
                            {"kind": Kind.LOGIN}).status_code,
                client.post(reverse("admin:labportal_securityevent_delete", args=[event.pk]),
                            {"post": "yes"}).status_code)
    assert (statuses, SecurityEvent.objects.get(pk=event.pk).kind) == ((403, 403, 403), Kind.LOGIN_FAILED)


def test_reviewer_cannot_read_the_log():
    client = _client()
    client.force_login(ReviewerFactory())
    assert client.get(reverse("admin:labportal_securityevent_changelist")).status_code == 403


# --- Retention: the clock's sweep deletes rows past SECURITY_LOG_RETENTION_DAYS ----------------

def _event_aged(days, now):
    import datetime

    return SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, identifier=f"aged-{days}@example.jp",
                                        created_at=now - datetime.timedelta(days=days))


def test_the_sweep_deletes_security_events_past_their_retention_and_keeps_the_rest(settings):
    from django.utils import timezone

    from labportal import clock

    settings.SECURITY_LOG_RETENTION_DAYS = 1095
    now = timezone.now()
    _event_aged(1096, now)
    kept = _event_aged(1094, now)
    report = clock.sweep(now=now)
    assert report.acted["labportal.security_log_purge"] == 1
    assert list(SecurityEvent.objects.values_list("identifier", flat=True)) == [kept.identifier]


def test_retention_zero_keeps_every_security_event(settings):
    from django.utils import timezone

    from labportal import clock

    settings.SECURITY_LOG_RETENTION_DAYS = 0
    now = timezone.now()
    _event_aged(5000, now)
    clock.sweep(now=now)
    assert SecurityEvent.objects.count() == 1
