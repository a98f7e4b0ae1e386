"""In a real browser, as a person (tests/e2e/person.py): a reviewer without an authenticator app
opens the admin, logs in, is sent to the two-factor set-up, reads the key off the page as a person
adding it to an app by hand would, mistypes the code once, sets it up, keeps the recovery codes and
reaches the admin; at the next login the code is asked for. Every page is photographed
(var/screenshots/two-factor/1280/) and checked with axe-core."""

import pytest
from allauth.mfa.models import Authenticator

from tests.factories import PASSWORD, ReviewerFactory
from tests.two_factor import totp_code, wrong_totp_code

from .person import Person, expect, new_person, type_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _password_step(person, base_url, email):
    person.go_to_site(f"{base_url}/admin/")
    person.type("メールアドレス", email)
    person.type("パスワード", PASSWORD, exact=True)
    person.press("ログイン", exact=True)


def test_reviewer_sets_up_two_factor_then_reaches_the_admin(live_server, page, browser):
    person = Person(page, "two-factor")
    reviewer = ReviewerFactory(email="reviewer-2fa@example.go.jp")
    Authenticator.objects.filter(user=reviewer).delete()  # as before their first login

    # Opening the admin, the reviewer logs in and is sent to the set-up first.
    _password_step(person, live_server.url, reviewer.email)
    expect(page.get_by_role("heading", name="2段階認証の設定")).to_be_visible()
    expect(page.get_by_text("事務局・審査員のアカウントには2段階認証の設定が必要です。")).to_be_visible()
    expect(page.get_by_role("img", name="認証アプリで読み取るQRコード", exact=False)).to_be_visible()
    person.snap("setup")
    person.go_to_site(f"{live_server.url}/admin/review/assignedreview/")  # typed: nothing opens before it
    expect(page.get_by_role("heading", name="2段階認証の設定")).to_be_visible()

    # The key as text, typed into an authenticator app by hand; a mistyped code first.
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    person.type("確認コード", wrong_totp_code(secret))
    person.press("設定する")
    expect(page.get_by_text("コードが正しくありません。", exact=False)).to_be_visible()
    expect(page.get_by_label("確認コード")).to_have_attribute("aria-invalid", "true")
    person.snap("wrong-code")
    person.type("確認コード", totp_code(secret))
    person.press("設定する")

    # The recovery codes, then on to the admin.
    expect(page.get_by_text("2段階認証を設定しました。", exact=False)).to_be_visible()
    expect(page.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    person.snap("recovery-codes")
    person.follow("保管しました。続ける")
    expect(page.get_by_role("link", name="担当する審査").first).to_be_visible()
    person.snap("admin")

    # The next login, in another browser, asks for the code from the app.
    second = new_person(browser, "two-factor", axe=person.axe)
    second.steps = person.steps  # one numbering of the journey's screenshots
    _password_step(second, live_server.url, reviewer.email)
    expect(second.page.get_by_role("heading", name="確認コードの入力")).to_be_visible()
    second.snap("code")
    type_code(second, secret)
    expect(second.page.get_by_role("link", name="担当する審査").first).to_be_visible()
    second.page.context.close()
    assert not person.violations, "\n".join(map(str, person.violations))
