"""In a real browser: the demo IoT lab's organisation (会津若松市) submits its plan change, staff
accept it on the dashboard, and the lab appears as a DX lab in the public directory, with its
IoT lineage. The transition pages are checked with axe-core on the way."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from labportal.models import Lab, User
from labportal.two_factor import two_factor_required
from tests.transition.conftest import fill_plan
from tests.two_factor import secret_of, type_code
from transition.models import TransitionRequest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "aizu-no-sora-2026"


def _log_in(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    user = User.objects.get(email=email)
    if two_factor_required(user):  # the demo staff's authenticator app, set up by demo_data
        type_code(page, secret_of(user))


def _serious(axe, page, name):
    return [(name, v["id"]) for v in axe.run(page).response["violations"] if v["impact"] in ("serious", "critical")]


def test_transition_demo_lab_moves_to_dx_and_shows_in_the_directory(live_server, page, browser, settings):
    from axe_playwright_python.sync_playwright import Axe

    settings.SITE_URL = live_server.url
    call_command("demo_data", stdout=io.StringIO())
    for email in ("aizu@labportal.example", "staff@labportal.example"):
        user = User.objects.get(email=email)
        user.set_password(PASSWORD)
        user.save()
    axe, violations = Axe(), []
    page.on("dialog", lambda dialog: dialog.accept())

    # The organisation starts its plan change from the menu.
    _log_in(page, live_server.url, "aizu@labportal.example")
    page.get_by_role("link", name="IoTラボの移行").click()
    violations += _serious(axe, page, "一覧")
    page.get_by_role("link", name="会津若松市").click()
    page.get_by_role("button", name="変更計画書の作成を始める").click()
    expect(page.get_by_label("ラボの名称")).to_have_value("会津若松市地域DX推進ラボ")
    violations += _serious(axe, page, "基本情報")

    # The rest of the plan as a careful officer would have typed it; the statement in the page.
    fill_plan(TransitionRequest.objects.get(lab__name="会津若松市", lab__programme__code="iot"))
    TransitionRequest.objects.filter(lab__name="会津若松市").update(changes_statement="")
    page.get_by_role("link", name="IoTラボの計画からの変更点").click()
    page.get_by_label("IoTラボの計画からの変更点").fill("地域全体（面）に加え、地域企業（点）の新規ビジネス創出を支援します。")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_test_id("checklist-complete")).to_be_visible()
    violations += _serious(axe, page, "確認・提出")
    page.get_by_role("button", name="移行申請を提出する").click()
    expect(page.get_by_text("移行申請（変更計画書）を提出しました")).to_be_visible()

    # Staff accept it from the dashboard.
    staff_context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    staff_page = staff_context.new_page()
    staff_page.on("dialog", lambda dialog: dialog.accept())
    _log_in(staff_page, live_server.url, "staff@labportal.example")
    staff_page.get_by_role("link", name="移行状況").click()
    expect(staff_page.get_by_role("heading", name="IoTラボからDXラボへの移行状況")).to_be_visible()
    violations += _serious(axe, staff_page, "ダッシュボード")
    staff_page.get_by_test_id("awaiting-rows").get_by_role("link", name="会津若松市").click()
    expect(staff_page.get_by_text("地域企業（点）の新規ビジネス創出を支援します。")).to_be_visible()
    staff_page.get_by_label("移行を承認する", exact=False).check()
    staff_page.get_by_role("button", name="この内容で決定する").click()
    expect(staff_page.get_by_test_id("staff-state")).to_have_text("移行承認")
    staff_context.close()

    # The public directory lists it as a DX lab, and its page keeps its first selection.
    dx = Lab.objects.get(programme__code="dx", predecessor__name="会津若松市")
    page.goto(f"{live_server.url}/labs/?programme=dx")
    page.get_by_role("link", name="会津若松市").click()
    expect(page).to_have_url(f"{live_server.url}/labs/{dx.pk}/")
    expect(page.get_by_text("地方版IoT推進ラボ 第1弾、2016年7月選定")).to_be_visible()
    page.goto(f"{live_server.url}/labs/?programme=iot&q=会津")
    expect(page.get_by_role("cell", name="DXラボへ移行済")).to_be_visible()
    assert violations == []
