"""Two-factor authentication: staff and reviewers must set up an authenticator app before any
page (the admin included), are asked for its code at every login, and cannot switch it off;
applicants may. Logins go through the real forms; codes are computed from the real secret."""

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from labportal.models import Role, User
from labportal.two_factor import two_factor_required
from tests.factories import ApplicantFactory, PASSWORD, ReviewerFactory, StaffFactory, UserFactory
from tests.two_factor import give_totp, secret_of, totp_code, wrong_totp_code

pytestmark = pytest.mark.django_db

SET_UP = "/accounts/2fa/totp/activate/"
CODE_PAGE = "/accounts/2fa/authenticate/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Used codes and allauth's rate limits live in the cache: each test starts afresh."""
    cache.clear()


def _staff_without_totp(role=Role.STAFF):
    user = UserFactory(email=f"new-{role}@example.go.jp", is_staff=True, role=role)
    Authenticator.objects.filter(user=user).delete()  # as before their first set-up
    return user


def _log_in(client, user, next_url=None):
    query = f"?next={next_url}" if next_url else ""
    return client.post(reverse("login") + query, {"username": user.email, "password": PASSWORD})


def _error_of(content, field_id="id_code"):
    """The error text tied to a field: the element its aria-describedby names."""
    described = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', content).group(0)
    ids = re.search(r'aria-describedby="([^"]*)"', described).group(1).split()
    error_id = next(i for i in ids if i.endswith("_error"))
    block = re.search(rf'id="{error_id}"[^>]*>(.*?)</div>', content, re.S).group(1)
    return re.sub(r"<[^>]+>|\s", "", block)


@pytest.mark.parametrize(("make", "required"), [
    (lambda: StaffFactory(), True),
    (lambda: ReviewerFactory(), True),
    (lambda: UserFactory(role=Role.REVIEWER), True),  # the role alone, even without the admin flag
    (lambda: ApplicantFactory(), False),
])
def test_two_factor_required_for_staff_and_reviewers_only(make, required):
    assert two_factor_required(make()) is required


@pytest.mark.parametrize("path", ["/admin/", "/admin/review/review/", "/admin/labportal/outboxmail/",
                                  "/", "/labs/", "/transition/dashboard/", "/accounts/password/change/"])
def test_staff_without_totp_is_sent_to_the_set_up_from_any_page(client, path):
    client.force_login(_staff_without_totp())
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, SET_UP)


def test_reviewer_without_totp_posting_in_the_admin_is_sent_to_the_set_up(client):
    client.force_login(_staff_without_totp(Role.REVIEWER))
    response = client.post("/admin/review/conflictofinterest/add/", {"note": "x"})
    assert (response.status_code, response["Location"]) == (302, SET_UP)


def test_staff_logging_in_from_the_admin_lands_on_the_set_up_with_a_japanese_explanation(client):
    staff = _staff_without_totp()
    response = _log_in(client, staff, next_url="/admin/")
    response = client.get(response["Location"], follow=True)
    content = response.content.decode()
    assert (response.redirect_chain[-1][0], "事務局・審査員のアカウントには2段階認証の設定が必要です" in content) == (
        SET_UP, True)


def test_set_up_page_shows_the_qr_code_as_an_image_and_the_key_as_text(client):
    _log_in(client, _staff_without_totp())
    content = client.get(SET_UP).content.decode()
    secret = client.session["mfa.totp.secret"]
    qr = re.search(r'<div class="totp-qr" role="img" aria-label="([^"]+)">\s*<svg ', content)
    shown_key = re.search(r'data-testid="totp-secret">([^<]+)<', content).group(1)
    assert (bool(qr and "QRコード" in qr.group(1)), shown_key.replace(" ", "")) == (True, secret)


def test_set_up_with_the_right_code_activates_it_and_opens_the_admin(client):
    staff = _staff_without_totp()
    _log_in(client, staff, next_url="/admin/review/review/")
    client.get("/admin/review/review/")  # sent to the set-up; the page asked for is kept
    client.get(SET_UP)
    response = client.post(SET_UP, {"code": totp_code(client.session["mfa.totp.secret"])})
    codes_page = client.get(response["Location"]).content.decode()
    assert (Authenticator.objects.filter(user=staff, type="totp").count(), response["Location"],
            len(re.findall(r"<li>\d{8}</li>", codes_page)),
            'href="/admin/review/review/">保管しました。続ける' in codes_page,
            client.get("/admin/").status_code) == (1, "/accounts/2fa/recovery-codes/", 10, True, 200)


def test_set_up_with_a_wrong_code_says_so_in_japanese_on_the_field(client):
    staff = _staff_without_totp()
    _log_in(client, staff)
    client.get(SET_UP)
    response = client.post(SET_UP, {"code": wrong_totp_code(client.session["mfa.totp.secret"])})
    content = response.content.decode()
    assert (response.status_code, _error_of(content), Authenticator.objects.filter(user=staff).count()) == (
        200, "コードが正しくありません。認証アプリに表示されている最新の6桁の数字を入力してください。", 0)


def test_set_up_page_marks_the_code_as_required_with_a_label(client):
    _log_in(client, _staff_without_totp())
    content = client.get(SET_UP).content.decode()
    label = re.search(r'<label\s+for="id_code"[^>]*>(.*?)</label>', content, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s", "", label) == "確認コード※必須"


@pytest.mark.parametrize("start", ["/admin/", "/admin/review/assignedreview/"])
def test_login_from_the_admin_asks_for_the_code_then_returns_to_the_admin(client, start):
    reviewer = ReviewerFactory()
    login_page = client.get(start, follow=True).redirect_chain[-1][0]  # the admin hands over to the portal
    response = client.post(login_page, {"username": reviewer.email, "password": PASSWORD})
    assert response["Location"] == CODE_PAGE
    assert client.get(start).status_code == 302  # not signed in before the code
    response = client.post(CODE_PAGE, {"code": totp_code(reviewer.totp_secret)})
    assert (response.status_code, response["Location"], client.get(start).status_code) == (302, start, 200)


def test_login_with_a_wrong_code_is_refused_in_japanese(client):
    staff = StaffFactory()
    _log_in(client, staff, next_url="/admin/")
    response = client.post(CODE_PAGE, {"code": wrong_totp_code(staff.totp_secret)})
    assert (response.status_code, _error_of(response.content.decode()),
            client.get("/admin/").status_code) == (
        200, "コードが正しくありません。認証アプリに表示されている最新の6桁の数字を入力してください。", 302)


def test_a_code_logs_in_once_only(client):
    staff = StaffFactory()
    code = totp_code(staff.totp_secret)
    _log_in(client, staff)
    client.post(CODE_PAGE, {"code": code})
    client.post(reverse("logout"))
    _log_in(client, staff)
    response = client.post(CODE_PAGE, {"code": code})
    assert (response.status_code, client.get("/admin/").status_code) == (200, 302)


def test_after_five_wrong_codes_even_the_right_one_waits(client):
    staff = StaffFactory()
    _log_in(client, staff)
    for _ in range(5):
        client.post(CODE_PAGE, {"code": wrong_totp_code(staff.totp_secret)})
    response = client.post(CODE_PAGE, {"code": totp_code(staff.totp_secret)})
    assert (_error_of(response.content.decode()), client.get("/admin/").status_code) == (
        "確認コードを5回続けて間違えたため、入力を15分間止めています。時間をおいてから、もう一度お試しください。", 302)


def test_a_recovery_code_logs_in_once_only(client):
    staff = StaffFactory()
    recovery_code = RecoveryCodes.activate(staff).get_unused_codes()[0]
    _log_in(client, staff, next_url="/admin/")
    first = client.post(CODE_PAGE, {"code": recovery_code})
    first_admin = client.get("/admin/").status_code
    client.post(reverse("logout"))
    _log_in(client, staff, next_url="/admin/")
    second = client.post(CODE_PAGE, {"code": recovery_code})
    assert ((first.status_code, first["Location"], first_admin),
            (second.status_code, client.get("/admin/").status_code)) == ((302, "/admin/", 200), (200, 302))


def test_applicant_is_not_forced_and_finds_the_optional_set_up_in_the_menu(client):
    applicant = ApplicantFactory()
    _log_in(client, applicant)
    response = client.get(reverse("applications:dashboard"))
    content = response.content.decode()
    assert (response.status_code, 'href="/accounts/2fa/">2段階認証</a>' in content) == (200, True)


def test_staff_find_two_factor_in_the_admin_header(client):
    client.force_login(StaffFactory())
    content = client.get("/admin/").content.decode()
    assert '<a href="/accounts/2fa/">2段階認証</a>' in content


def test_applicant_who_sets_it_up_is_asked_for_the_code_at_the_next_login(client):
    applicant = ApplicantFactory()
    _log_in(client, applicant)
    set_up = client.get(SET_UP).content.decode()
    client.post(SET_UP, {"code": totp_code(client.session["mfa.totp.secret"])})
    client.post(reverse("logout"))
    response = _log_in(client, applicant)
    assert ("（任意）" in set_up, response["Location"]) == (True, CODE_PAGE)


def test_staff_cannot_switch_two_factor_off(client):
    staff = StaffFactory()
    _log_in(client, staff)
    client.post(CODE_PAGE, {"code": totp_code(staff.totp_secret)})
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert (response.status_code, "事務局・審査員のアカウントでは2段階認証を無効にできません" in response.content.decode(),
            Authenticator.objects.filter(user=staff, type="totp").count()) == (200, True, 1)


def test_applicant_can_switch_two_factor_off(client):
    applicant = ApplicantFactory()
    give_totp(applicant)
    _log_in(client, applicant)
    client.post(CODE_PAGE, {"code": totp_code(applicant.totp_secret)})
    client.post("/accounts/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=applicant).count() == 0


def test_two_factor_pages_are_in_japanese(client):
    staff = StaffFactory()
    RecoveryCodes.activate(staff)
    _log_in(client, staff)
    client.post(CODE_PAGE, {"code": totp_code(staff.totp_secret)})
    titles = {path: re.search(r"<h1[^>]*>(.*?)</h1>", client.get(path).content.decode()).group(1)
              for path in ("/accounts/2fa/", "/accounts/2fa/recovery-codes/",
                           "/accounts/2fa/recovery-codes/generate/", "/accounts/2fa/totp/deactivate/")}
    assert titles == {"/accounts/2fa/": "2段階認証", "/accounts/2fa/recovery-codes/": "リカバリーコード",
                      "/accounts/2fa/recovery-codes/generate/": "リカバリーコードの発行",
                      "/accounts/2fa/totp/deactivate/": "2段階認証を無効にする"}


def test_changing_two_factor_long_after_login_asks_for_the_password_again(client, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    applicant = ApplicantFactory()
    _log_in(client, applicant)
    response = client.get(SET_UP, follow=True)
    content = response.content.decode()
    assert (response.redirect_chain[-1][0].split("?")[0], re.search(r"<h1[^>]*>(.*?)</h1>", content).group(1)) == (
        "/accounts/reauthenticate/", "本人確認")


def test_demo_staff_and_reviewers_get_an_authenticator_key_printed_once():
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    keys = dict(re.findall(r"(\S+@labportal\.example)\s+\S+\s+2段階認証のキー: (\S+)", out.getvalue()))
    stored = {user.email: secret_of(user) for user in User.objects.filter(email__in=keys)}
    assert (sorted(keys), stored == keys) == (
        ["reviewer1@labportal.example", "reviewer2@labportal.example", "staff@labportal.example"], True)
