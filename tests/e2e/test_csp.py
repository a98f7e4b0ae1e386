"""In a real browser, under the Content Security Policy: nothing on the applicant's pages or in
the admin is blocked (Chromium reports every refusal on the console), and the scripts that
matter still run — Bootstrap's menu, the applicant's character counters, the admin's actions."""

import re

import pytest
from playwright.sync_api import expect

from tests.review.factories import PASSWORD, StaffFactory, make_application, make_round

from .person import PHONE, Person, log_in, open_draft, open_dx_round, sapporo_draft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _watch_policy(page) -> list[str]:
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def test_applicant_pages_run_under_the_policy(live_server, page):
    refused = _watch_policy(page)
    user, application = sapporo_draft(open_dx_round(70))

    page.set_viewport_size(PHONE)
    person = Person(page, "csp")
    person.go_to_site(f"{live_server.url}/")
    person.press("メニューを開く")  # Bootstrap's collapse, from our static copy
    expect(page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ラボ一覧")).to_be_visible()
    log_in(person, live_server.url, user.email)
    open_draft(person, "方向性")
    person.type("DX推進のビジョン", "地域の課題を")
    expect(page.get_by_text("現在 6 文字").first).to_be_visible()  # application-form.js counts
    assert refused == []


def test_admin_pages_run_under_the_policy(live_server, page):
    refused = _watch_policy(page)
    make_application(make_round(), lab_name="ブラウザ市地域DX推進ラボ")
    staff = StaffFactory(email="staff-csp@example.go.jp")

    person = log_in(Person(page, "csp"), live_server.url, staff.email, PASSWORD, secret=staff.totp_secret,
                    admin=True)
    expect(page.get_by_role("heading", name="管理メニュー")).to_be_visible()
    person.follow("申請", exact=True, within=page.get_by_role("rowheader", name="申請", exact=True))
    page.get_by_role("columnheader").get_by_role("checkbox").check()  # the admin's actions.js selects every row
    expect(page.get_by_role("row").filter(has_text="ブラウザ市地域DX推進ラボ").get_by_role("checkbox")).to_be_checked()
    person.follow(re.compile("ブラウザ市地域DX推進ラボ|DX-"))
    expect(page.get_by_text("ブラウザ市地域DX推進ラボ").first).to_be_visible()
    for name in ("セキュリティ記録", "ログインのロック"):
        person.follow("ホーム")
        person.follow(name, exact=True, within=page.get_by_role("rowheader", name=name, exact=True))
    person.go_to_site(f"{live_server.url}/")
    person.follow("移行状況")  # the portal's menu for staff
    assert refused == []
