"""In a real browser, under the Content Security Policy: nothing on the applicant's pages or in
the admin is blocked (Chromium reports every refusal on the console), and the scripts that
matter still run — Bootstrap's menu, the applicant's character counters, the admin's actions."""

import pytest
from playwright.sync_api import expect

from tests.review.factories import PASSWORD, StaffFactory, make_application, make_round
from tests.two_factor import type_code

from .applicants import log_in, open_dx_round, sapporo_draft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _watch_policy(page) -> list[str]:
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def test_applicant_pages_run_under_the_policy(live_server, page):
    refused = _watch_policy(page)
    user, application = sapporo_draft(open_dx_round(70))

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="メニューを開く").click()  # Bootstrap's collapse, from our static copy
    expect(page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ラボ一覧")).to_be_visible()
    log_in(page, live_server.url, user.email)
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
