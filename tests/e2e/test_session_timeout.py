"""In a real browser: the warning before an idle session ends (WCAG 2.2.1 「制限時間の調整」).

The page's clock is Playwright's, moved forward; the server's is real, so 「ログインを続ける」
reaches a live session and extends it, and what the applicant typed stays where it was.
"""

import pytest
from playwright.sync_api import expect

from .person import Person, log_in, open_draft, open_dx_round, sapporo_draft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _applicant_with_draft():
    return sapporo_draft(open_dx_round(71), email="timeout@city.example.jp")


def _open_direction(page, base_url, email):
    person = log_in(Person(page, "session-timeout"), base_url, email)
    open_draft(person, "方向性")
    return person


def test_warning_before_the_limit_and_continuing_keeps_what_was_typed(live_server, page):
    user, application = _applicant_with_draft()
    page.clock.install()
    person = _open_direction(page, live_server.url, user.email)
    vision = person.type("DX推進のビジョン", "地域の課題をデータで解決する")

    page.clock.run_for("01:50:00")  # the applicant's limit is 120 minutes: no warning yet
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    page.clock.run_for("00:05:00")
    warning = page.get_by_role("alertdialog", name="まもなくログアウトします")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("入力中の内容はそのまま残ります")
    button = warning.get_by_role("button", name="ログインを続ける")
    expect(button).to_be_focused()
    person.snap("warning")
    assert person.violations == []

    with page.expect_response("**/accounts/session/keepalive/") as response:
        button.click()
    assert response.value.status == 200
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(vision).to_have_value("地域の課題をデータで解決する")


def test_typing_extends_quietly_and_an_ended_session_says_the_text_is_not_saved(live_server, page):
    user, application = _applicant_with_draft()
    page.clock.install()
    person = _open_direction(page, live_server.url, user.email)
    vision = person.field("DX推進のビジョン")
    vision.click()

    page.clock.run_for("00:06:00")
    with page.expect_response("**/accounts/session/keepalive/") as response:
        vision.press_sequentially("地域")  # typing is activity: the session is extended quietly
    assert response.value.status == 200

    page.clock.run_for("02:00:00")  # then nothing for two hours
    ended = page.get_by_role("alert").filter(has_text="ログインの有効期限が切れました")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text("入力中の内容はまだ保存されていません")
    expect(ended.get_by_role("link", name="もう一度ログインする")).to_have_attribute(
        "href", f"/accounts/login/?next=%2Fapplications%2F{application.pk}%2Fsections%2Fdirection%2F")
