"""The IoT lab member's journey in a real browser, at 1280x900 and 390x844: the demo IoT lab's
organisation (会津若松市) opens its transition, fills the plan's tables (KPI, ロードマップ,
参加機関: add a row, type, remove a row) and its statement, and submits; staff (with their
authenticator code) accept it on the dashboard, and the lab appears as a DX lab in the public
directory, with its IoT lineage. Screenshots per step (var/screenshots/iot-member/<width>/),
axe-core and the sideways-scroll check on every page."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from applications.models import Kpi, Participant, RoadmapItem
from labportal.models import Lab, User
from tests.transition.conftest import fill_plan
from tests.two_factor import secret_of
from transition.models import TransitionRequest

from .person import DESKTOP, PHONE, log_in, new_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "aizu-no-sora-2026"


def _plan_nav(person):
    return person.page.get_by_role("navigation", name="変更計画書の項目")


def _table_row(person, title, table_name, cells, remove_label):
    """Type row 1 of the table, add a row, type into it and remove it again."""
    group = person.page.get_by_role("group", name=re.compile(f"^{re.escape(title)}"))
    person.assert_table_in_view(group)
    for label, value in cells:
        if label.startswith("種別"):
            person.choose(label, value, within=group)
        else:
            person.type(label, value, within=group)
    person.press(f"行を追加（{table_name}）", within=group)
    added = person.type(f"{remove_label}（2行目）", "消す行", within=group)
    person.press("行を削除（2行目）", within=group)
    expect(added).to_be_hidden()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_transition_iot_member_submits_the_plan_and_staff_decide(live_server, browser, settings, viewport):
    settings.SITE_URL = live_server.url
    call_command("demo_data", stdout=io.StringIO())
    for email in ("aizu@labportal.example", "staff@labportal.example"):
        user = User.objects.get(email=email)
        user.set_password(PASSWORD)
        user.save()
    person = new_person(browser, "iot-member", viewport)
    page = person.page

    # The organisation starts its plan change from the menu.
    log_in(person, live_server.url, "aizu@labportal.example", PASSWORD)
    person.open_menu()
    person.follow("IoTラボの移行")
    person.snap("list")
    person.follow("会津若松市")
    person.press("変更計画書の作成を始める")
    expect(person.field("ラボの名称")).to_have_value("会津若松市地域DX推進ラボ")
    person.snap("basic")

    # What a careful officer typed before (the prose); the tables and the statement in the browser.
    request = TransitionRequest.objects.get(lab__name="会津若松市", lab__programme__code="iot")
    fill_plan(request)
    for model in (Kpi, RoadmapItem, Participant):
        model.objects.filter(application=request.application).delete()
    TransitionRequest.objects.filter(pk=request.pk).update(changes_statement="")

    person.follow("方向性", within=_plan_nav(person))
    _table_row(person, "KPI", "KPI", [("指標（1行目）", "DX支援件数"), ("現状値（1行目）", "10件"),
                                      ("目標値（1行目）", "100件"), ("目標年度（1行目）", "2028")], "指標")
    _table_row(person, "ロードマップ", "ロードマップ（年度ごと）",
               [("年度（1行目）", "2026"), ("取組内容（1行目）", "相談窓口の開設")], "取組内容")
    person.snap("direction")
    person.press("保存する")
    expect(page.get_by_text("保存しました", exact=False).first).to_be_visible()

    person.follow("多様性と一体感", within=_plan_nav(person))
    _table_row(person, "参加機関", "参加機関", [("機関・団体名（1行目）", "会津大学"),
                                              ("種別（1行目）", "大学・各種学校"), ("役割（1行目）", "技術支援")],
               "機関・団体名")
    person.snap("diversity")
    person.press("保存する")
    expect(page.get_by_test_id("kind-coverage")).to_contain_text("1種別")

    person.follow("IoTラボの計画からの変更点", within=_plan_nav(person))
    person.type("IoTラボの計画からの変更点", "地域全体（面）に加え、地域企業（点）の新規ビジネス創出を支援します。")
    person.press("保存する")
    expect(page.get_by_test_id("checklist-complete")).to_be_visible()
    person.snap("check")
    person.press("移行申請を提出する")
    expect(page.get_by_text("移行申請（変更計画書）を提出しました")).to_be_visible()
    person.snap("submitted")
    assert Kpi.objects.filter(application=request.application).count() == 1  # the removed row was not kept

    # Staff accept it from the dashboard (their authenticator code after the password).
    staff = new_person(browser, "iot-staff", viewport, axe=person.axe)
    log_in(staff, live_server.url, "staff@labportal.example", PASSWORD,
           secret=secret_of(User.objects.get(email="staff@labportal.example")))
    staff.open_menu()
    staff.follow("移行状況")
    expect(staff.page.get_by_role("heading", name="IoTラボからDXラボへの移行状況")).to_be_visible()
    staff.snap("dashboard")
    staff.follow("会津若松市", within=staff.page.get_by_test_id("awaiting-rows"))
    expect(staff.page.get_by_text("地域企業（点）の新規ビジネス創出を支援します。")).to_be_visible()
    staff.check(re.compile("^受理する"))  # the demo policy's procedure: 計画変更手続きの提出のみ
    staff.snap("decide")
    staff.press("この内容で決定する")
    expect(staff.page.get_by_test_id("staff-state")).to_have_text("移行完了")
    staff.page.context.close()

    # The public directory lists it as a DX lab, and its page keeps its first selection.
    dx = Lab.objects.get(programme__code="dx", predecessor__name="会津若松市")
    person.open_menu()
    person.follow("ラボ一覧")
    person.choose("制度", "地域DX推進ラボ")
    person.type("名称で検索", "会津若松")
    person.press("この条件で表示")
    person.follow(dx.name, exact=True)
    expect(page).to_have_url(f"{live_server.url}/labs/{dx.pk}/")
    expect(page.get_by_text("2016年7月選定", exact=False).first).to_be_visible()  # its first selection, as an IoT lab
    person.snap("directory")
    person.page.context.close()
    assert person.violations == []
