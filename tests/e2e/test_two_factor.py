"""In a real browser: a reviewer without an authenticator app opens the admin, logs in, is sent
to the two-factor set-up, reads the key off the page as a person adding it to an app by hand
would, mistypes the code once, sets it up, keeps the recovery codes and reaches the admin; at the
next login the code is asked for. The set-up, recovery-code and code pages are checked with axe-core."""

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.review.factories import PASSWORD, ReviewerFactory
from tests.two_factor import totp_code, type_code, wrong_totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _serious(axe, page, name):
    return [(name, v["id"], [n["html"][:120] for n in v["nodes"]]) for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")]


def _password_step(page, base_url, email):
    page.goto(f"{base_url}/admin/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_reviewer_sets_up_two_factor_then_reaches_the_admin(live_server, page, browser):
    from axe_playwright_python.sync_playwright import Axe

    axe, violations = Axe(), []
    reviewer = ReviewerFactory(email="reviewer-2fa@example.go.jp")
    Authenticator.objects.filter(user=reviewer).delete()  # as before their first login

    # Opening the admin, the reviewer logs in and is sent to the set-up first.
    _password_step(page, live_server.url, reviewer.email)
    expect(page.get_by_role("heading", name="2段階認証の設定")).to_be_visible()
    expect(page.get_by_text("事務局・審査員のアカウントには2段階認証の設定が必要です。")).to_be_visible()
    expect(page.get_by_role("img", name="認証アプリで読み取るQRコード", exact=False)).to_be_visible()
    violations += _serious(axe, page, "設定")
    page.goto(f"{live_server.url}/admin/review/assignedreview/")  # nothing else opens before it
    expect(page.get_by_role("heading", name="2段階認証の設定")).to_be_visible()

    # The key as text, typed into an authenticator app by hand; a mistyped code first.
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("確認コード").fill(wrong_totp_code(secret))
    page.get_by_role("button", name="設定する").click()
    expect(page.get_by_text("コードが正しくありません。", exact=False)).to_be_visible()
    expect(page.get_by_label("確認コード")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("確認コード").fill(totp_code(secret))
    page.get_by_role("button", name="設定する").click()

    # The recovery codes, then on to the admin.
    expect(page.get_by_text("2段階認証を設定しました。", exact=False)).to_be_visible()
    expect(page.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    violations += _serious(axe, page, "リカバリーコード")
    page.get_by_role("link", name="保管しました。続ける").click()
    expect(page.get_by_role("link", name="担当する審査").first).to_be_visible()

    # The next login asks for the code from the app.
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    second = context.new_page()
    _password_step(second, live_server.url, reviewer.email)
    expect(second.get_by_role("heading", name="確認コードの入力")).to_be_visible()
    violations += _serious(axe, second, "確認コード")
    type_code(second, secret)
    expect(second.get_by_role("link", name="担当する審査").first).to_be_visible()
    context.close()
    assert violations == []
