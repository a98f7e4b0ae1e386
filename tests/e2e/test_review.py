"""In a real browser: a reviewer scores their assigned application in the admin and submits it;
staff record the decision on the ranking page and announce the round; the selected lab is in
the public directory. The reviewer's scoring page is checked with axe-core."""

import pytest
from playwright.sync_api import expect

from review import services
from review.models import Review
from tests.review.factories import (
    PASSWORD,
    ReviewerFactory,
    StaffFactory,
    make_application,
    make_round,
    member_of,
)
from tests.two_factor import type_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _admin_log_in(page, base_url, user):
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("メールアドレス").fill(user.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    type_code(page, user.totp_secret)  # staff and reviewers log in with their authenticator app


def _serious(axe, page):
    return [(v["id"], [n["html"][:120] for n in v["nodes"]]) for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_review_scored_in_the_browser_then_decided_and_announced(live_server, page, browser, settings):
    from axe_playwright_python.sync_playwright import Axe

    settings.SITE_URL = live_server.url
    selection_round = make_round(per_application=1)
    application = make_application(selection_round, lab_name="ブラウザ市地域DX推進ラボ")
    member_of(application.organisation)
    staff = StaffFactory(email="staff-e2e@example.go.jp")
    reviewer = ReviewerFactory(email="reviewer-e2e@example.go.jp")
    services.review_assign(application=application, reviewer=reviewer, by=staff)
    page.on("dialog", lambda dialog: dialog.accept())

    # The reviewer finds the assignment in 担当する審査 and scores it beside the application.
    _admin_log_in(page, live_server.url, reviewer)
    page.get_by_role("link", name="担当する審査").first.click()
    page.get_by_role("link", name="ブラウザ市地域DX推進ラボ").click()
    expect(page.get_by_role("heading", name="申請の内容（閲覧のみ）")).to_be_visible()
    assert _serious(Axe(), page) == []
    for name, value in (("方向性", "4"), ("地域性", "3"), ("革新性", "4"), ("自治体の積極性と継続性", "3"),
                        ("多様性と一体感", "4")):
        page.get_by_label(f"{name}の評点").fill(value)
        page.get_by_label(f"{name}へのコメント").fill(f"{name}について根拠を確認しました。")
    page.get_by_label("方向性の評点").fill("9")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.get_by_text("「方向性」の評点は0から5の範囲で入力してください（入力された値: 9）。")).to_be_visible()
    page.get_by_label("方向性の評点").fill("4")
    page.get_by_label("選定を推奨").check()
    page.get_by_role("button", name="提出する（提出後は変更できません）").click()
    expect(page.get_by_text("審査を提出しました。提出後は変更できません。")).to_be_visible()
    assert Review.objects.get(reviewer=reviewer).state == Review.State.SUBMITTED

    # Staff decide on the ranking page and announce the round.
    staff_context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    staff_page = staff_context.new_page()
    _admin_log_in(staff_page, live_server.url, staff)
    staff_page.goto(f"{live_server.url}/admin/review/roundreviewsettings/{selection_round.review_settings.pk}/ranking/")
    staff_page.get_by_label(f"{application.receipt_number}を選択").check()
    staff_page.locator("#id_outcome").select_option("selected")
    staff_page.get_by_label("理由（記録用）").fill("総合点が最も高く、審査員の推薦もあるため。")
    staff_page.get_by_role("button", name="決定を記録する").click()
    expect(staff_page.get_by_text("1件の決定を記録しました")).to_be_visible()
    staff_page.get_by_role("link", name="公表する").click()
    staff_page.get_by_label("取り消せないことを確認しました", exact=False).check()
    staff_page.get_by_role("button", name="公表する").click()
    expect(staff_page.get_by_text("公表しました: 決定1件、ラボの登録1件。", exact=False)).to_be_visible()
    staff_context.close()

    # The public directory lists the new DX lab.
    page.goto(f"{live_server.url}/labs/?programme=dx")
    expect(page.get_by_role("link", name="ブラウザ市地域DX推進ラボ")).to_be_visible()
