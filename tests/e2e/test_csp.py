"""In a real browser, under the Content Security Policy: nothing on the applicant's pages or in
the admin is blocked (Chromium reports every refusal on the console), and the scripts that
matter still run — Bootstrap's menu, the applicant's character counters, the admin's actions."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from tests.review.factories import PASSWORD, StaffFactory, make_application, make_round
from tests.two_factor import type_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _watch_policy(page) -> list[str]:
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def test_applicant_pages_run_under_the_policy(live_server, page):
    from applications import services
    from applications.models import Membership, Organisation
    from labportal.models import Programme, Region, Role, SelectionRound, User

    refused = _watch_policy(page)
    now = timezone.now()
    open_round = SelectionRound.objects.create(
        programme=Programme.objects.get(code="dx"), number=70, state=SelectionRound.State.OPEN,
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=14))
    user = User.objects.create_user(email="officer@city.example.jp", password=PASSWORD)
    user.groups.add(Group.objects.get(name=Role.APPLICANT))
    organisation = Organisation.objects.create(name="札幌市", kind="municipality")
    organisation.regions.set([Region.objects.get(name="札幌市")])
    Membership.objects.create(user=user, organisation=organisation, state="active", role="admin")
    application = services.application_create(organisation=organisation, selection_round=open_round, user=user)

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="メニューを開く").click()  # Bootstrap's collapse, from our static copy
    expect(page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ラボ一覧")).to_be_visible()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("メールアドレス").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server.url}/applications/{application.pk}/sections/direction/")
    page.get_by_label("DX推進のビジョン").fill("地域の課題を")
    expect(page.get_by_text("現在 6 文字").first).to_be_visible()  # application-form.js counts
    assert refused == []


def test_admin_pages_run_under_the_policy(live_server, page):
    refused = _watch_policy(page)
    application = make_application(make_round(), lab_name="ブラウザ市地域DX推進ラボ")
    staff = StaffFactory(email="staff-csp@example.go.jp")

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("メールアドレス").fill(staff.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    type_code(page, staff.totp_secret)
    expect(page.get_by_role("heading", name="管理メニュー")).to_be_visible()
    page.goto(f"{live_server.url}/admin/applications/application/")
    page.locator("#action-toggle").check()  # the admin's actions.js selects every row
    expect(page.locator("input.action-select").first).to_be_checked()
    page.goto(f"{live_server.url}/admin/applications/application/{application.pk}/change/")
    expect(page.get_by_text("ブラウザ市地域DX推進ラボ").first).to_be_visible()
    for path in ("/admin/labportal/securityevent/", "/admin/labportal/loginlock/", "/admin/labportal/lab/add/",
                 "/transition/dashboard/"):
        page.goto(f"{live_server.url}{path}")
    assert refused == []
