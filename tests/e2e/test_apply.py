"""The applicant's whole journey in a real browser, as a person does it: sign up, confirm the
address from the mail, register the municipality, invite a colleague who accepts (a second
browser), fill every section — in every table add a row, type, remove a row —, attach a PDF
through the file chooser, submit, receive 差し戻し (staff return it through the service, which
mails the applicant; the applicant follows the mail's link), change a section and resubmit.

Once at 1280x900 and once at 390x844 with the mouse, once at 1280 by keyboard alone. Each step
saves a screenshot (var/screenshots/applicant/<width>/) and runs axe-core; a page wider than its
viewport counts as a violation too."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from labportal.models import OutboxMail

from .person import (DESKTOP, PASSWORD, PDF, PHONE, Person, fresh_rate_limits, log_in, new_person, open_draft,
                     open_dx_round, sapporo_draft)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _send(event: str, to: str = "hanako@city.sapporo.example.jp") -> str:
    """Send the outbox rows of `event` as the worker would; return the body of the mail to `to`."""
    from labportal.services import outbox_send

    sent = len(mail.outbox)
    for row in OutboxMail.objects.filter(event=event).order_by("pk"):  # a sent row is not claimed again
        outbox_send(mail_id=row.pk)
    return next(m.body for m in reversed(mail.outbox[sent:]) if to in m.to)


def _link(body: str, path: str) -> str:
    return re.search(rf"https?://\S+{path}\S*", body).group(0)


def _save_and_next(person):
    person.press("保存して次へ")


def _colleague_accepts(browser, viewport, base_url, body, keyboard):
    """The invited colleague opens the mail's link in their own browser, logs in and joins."""
    from django.contrib.auth.models import Group

    from labportal.models import Role, User

    colleague = User.objects.create_user(email="jiro@city.sapporo.example.jp", password=PASSWORD,
                                         last_name="札幌", first_name="次郎")
    colleague.groups.add(Group.objects.get(name=Role.APPLICANT))
    other = new_person(browser, "applicant-colleague", viewport, keyboard=keyboard)
    other.open_mail_link(_link(body, "/applications/invitations/"))
    other.type("メールアドレス", colleague.email)
    other.type("パスワード", PASSWORD, exact=True)
    other.press("ログイン", exact=True)
    expect(other.page.get_by_role("heading", name="「札幌市」への招待")).to_be_visible()
    other.snap("invitation")
    other.press("参加する")
    expect(other.page.get_by_text("「札幌市」のメンバーになりました。")).to_be_visible()
    other.snap("joined")
    other.page.context.close()
    return other.violations


def _table(person, title):
    """The table (a fieldset named by its legend) whose first cell must be in view."""
    group = person.page.get_by_role("group", name=re.compile(f"^{re.escape(title)}"))
    person.assert_table_in_view(group)
    return group


def _add_type_remove(person, group, table_name, label, text):
    """「行を追加」, type into the new row 2, then 「行を削除」 it again."""
    person.press(f"行を追加（{table_name}）", within=group)
    added = person.type(f"{label}（2行目）", text, within=group)
    person.assert_in_view(added)
    person.press("行を削除（2行目）", within=group)
    expect(added).to_be_hidden()


def _journey(person: Person, browser, base_url, viewport):
    page = person.page

    # Sign up and confirm the address with the mailed link.
    person.go_to_site(f"{base_url}/")
    person.snap("home")
    person.open_menu()
    person.follow("アカウント作成")
    person.type("姓", "札幌", exact=True)
    person.type("名", "花子", exact=True)
    person.type("メールアドレス", "hanako@city.sapporo.example.jp", exact=True)
    person.type("パスワード", PASSWORD, exact=True)
    person.type("パスワード (再入力)", PASSWORD, exact=True)
    person.snap("signup")
    person.press("アカウントを作成する")
    expect(page.get_by_role("heading", name="確認のメールをお送りしました")).to_be_visible()
    person.snap("mail-sent")
    person.open_mail_link(_link(_send("account_email_confirmation"), "/accounts/confirm-email/"))
    person.snap("confirm-email")
    person.press("確認する")
    expect(page.get_by_role("heading", name="申請の一覧")).to_be_visible()

    # Register the municipality (hiragana and full-width digits are accepted and normalised).
    person.follow("新しい団体を登録する")
    expect(page.get_by_role("radio", name="---------")).to_have_count(0)  # nothing chosen for the person
    person.type("団体名", "札幌市", exact=True)
    person.type("団体名（フリガナ）", "さっぽろし", exact=True)
    person.check("地方公共団体（都道府県・市区町村）")
    person.pick_suggestion("対象地域", "さっぽろ", "札幌市（北海道）")  # typed in hiragana, picked from the list
    person.type("電話番号", "０１１－２１１－２１１１")
    person.snap("organisation")
    person.press("登録する")
    expect(page.get_by_text("「札幌市」を登録しました")).to_be_visible()
    person.snap("dashboard")

    # Invite a colleague, who accepts in their own browser.
    person.follow("メンバーの管理・招待")
    person.type("招待する方のメールアドレス", "jiro@city.sapporo.example.jp")
    person.press("招待メールを送る")
    expect(page.get_by_text("jiro@city.sapporo.example.jp").first).to_be_visible()
    person.snap("members")
    invitation = _send("applications_invitation", to="jiro@city.sapporo.example.jp")
    person.violations.extend(_colleague_accepts(browser, viewport, base_url, invitation, person.keyboard))
    person.follow("申請の一覧へ戻る")
    person.press("この回の申請書を作成する")

    # 1. 基本情報
    expect(page.get_by_role("heading", name="基本情報")).to_be_visible()
    person.type("ラボの名称", "札幌市地域DX推進ラボ")
    person.type("実施主体の名称", "札幌市DX推進協議会")
    person.type("実施主体の構成", "札幌市、北海道大学、札幌商工会議所")
    person.type("担当者 氏名", "札幌 花子")
    person.type("担当者 フリガナ", "さっぽろ はなこ")
    person.type("担当者 部署", "経済観光局")
    person.type("担当者 電話番号", "011-211-2111")
    person.type("担当者 メールアドレス", "dx@city.sapporo.example.jp")
    person.snap("basic")
    _save_and_next(person)

    # 2. 方向性, with its two tables
    expect(page.get_by_role("heading", name="方向性")).to_be_visible()
    person.type("DX推進のビジョン", "データで稼ぐ北の産業都市")
    person.type("目標", "地域企業のDX支援を年100件", exact=True)
    person.type("目標に至るプロセス", "相談窓口→専門家派遣→実証")
    kpis = _table(person, "KPI")
    person.type("指標（1行目）", "DX支援件数", within=kpis)
    person.type("現状値（1行目）", "１０件", within=kpis)
    person.type("目標値（1行目）", "１００件", within=kpis)
    person.type("目標年度（1行目）", "２０２８", within=kpis)
    _add_type_remove(person, kpis, "KPI", "指標", "消す行")
    roadmap = _table(person, "ロードマップ")
    person.type("年度（1行目）", "2026", within=roadmap)
    person.type("取組内容（1行目）", "相談窓口の開設", within=roadmap)
    _add_type_remove(person, roadmap, "ロードマップ（年度ごと）", "取組内容", "消す行")
    person.snap("direction")
    _save_and_next(person)

    # 3. 地域性
    expect(page.get_by_role("heading", name="地域性")).to_be_visible()
    person.type("解決を目指す地域課題", "人手不足と観光の季節変動")
    person.type("対象とする産業", "観光業、食品製造業")
    person.check(re.compile("^1）地域課題の解決"))
    person.snap("regionality")
    _save_and_next(person)

    # 4. 革新性
    expect(page.get_by_role("heading", name="革新性")).to_be_visible()
    person.check(re.compile("^①新規産業の創出"))
    person.check("Ⅱ 新規産業の創出")
    person.check("相談窓口")
    person.check("専門家派遣")
    person.type("取組の内容と計画", "相談窓口を開き、専門家を派遣する。")
    person.snap("innovation")
    _save_and_next(person)

    # 5. 自治体の積極性と継続性: the budget is read back in yen while typing
    expect(page.get_by_role("heading", name="自治体の積極性と継続性")).to_be_visible()
    person.type("自治体の役割と関与", "市が事務局を担う")
    person.type("年間予算（円）", "１２０００００００")
    expect(page.get_by_text("120,000,000円")).to_be_visible()
    person.type("予算・資金計画（経済的な自立に向けて）", "市予算と会費")
    expect(person.field("年間予算（円）")).to_have_value("120,000,000")
    person.type("リターンを生み出す仕組み", "会員企業の会費と受託収入")
    person.type("ラボを運営・発展させる人材", "専任職員2名")
    person.snap("commitment")
    _save_and_next(person)

    # 6. 多様性と一体感
    expect(page.get_by_role("heading", name="多様性と一体感")).to_be_visible()
    person.type("連携・参加の体制", "産学官金の協議会")
    participants = _table(person, "参加機関")
    person.type("機関・団体名（1行目）", "北海道大学", within=participants)
    person.choose("種別（1行目）", "大学・各種学校", within=participants)
    person.type("役割（1行目）", "技術支援", within=participants)
    _add_type_remove(person, participants, "参加機関", "機関・団体名", "消す機関")
    person.snap("diversity")
    person.press("保存する")
    expect(page.get_by_test_id("kind-coverage")).to_contain_text("1種別")
    expect(participants.get_by_label("機関・団体名（2行目）")).to_have_value("")  # the removed row was not kept
    _save_and_next(person)

    # 7. その他 (optional): empty, the navigation says so
    expect(page.get_by_role("heading", name="その他")).to_be_visible()
    nav = page.get_by_role("navigation", name="申請書の項目")
    expect(nav.get_by_role("listitem").filter(has_text="その他")).to_contain_text("未入力（任意）")
    person.type("オープンデータの活用", "市のオープンデータを公開")
    person.snap("other")
    _save_and_next(person)

    # 8. 添付書類: a PDF through the file chooser
    expect(page.get_by_role("heading", name="添付書類")).to_be_visible()
    person.choose("書類の種類", "計画書・説明資料")
    person.attach("ファイル", "計画書.pdf", PDF)
    person.press("添付する")
    expect(page.get_by_role("link", name="計画書.pdf")).to_be_visible()
    person.snap("attachments")

    # Check and submit: the page says what submitting means, as the code does it.
    person.follow("確認・提出へ進む")
    expect(page.get_by_test_id("checklist-complete")).to_be_visible()
    expect(page.get_by_test_id("after-submission")).to_contain_text("提出すると、この申請書は編集できなくなります")
    person.snap("detail")
    person.press("申請書を提出する")
    receipt = page.get_by_test_id("receipt-number")
    expect(receipt).to_have_text(re.compile(r"^DX-\d{4}-\d{2}-0001$"))
    number = receipt.inner_text()
    expect(page.get_by_text(f"受付番号は {number} です")).to_be_visible()
    person.snap("submitted")
    body = _send("applications_submitted")
    assert number in body

    # 差し戻し: staff return it (the service the admin's action calls); the applicant is mailed.
    from applications import services
    from applications.models import Application
    from tests.review.factories import StaffFactory

    services.application_return_for_revision(
        application_id=Application.objects.get(receipt_number=number).pk, by=StaffFactory(),
        message="KPIの目標年度の根拠を追記してください。", due_at=timezone.now() + datetime.timedelta(days=7))
    person.open_mail_link(_link(_send("applications_returned"), "/applications/"))
    expect(page.get_by_role("heading", name=re.compile("事務局から修正のお願いがあります"))).to_be_visible()
    person.snap("returned")
    person.follow("方向性", within=page.get_by_role("navigation", name="申請書の項目"))
    person.type("目標に至るプロセス", "相談窓口→専門家派遣→実証（2028年度までに100件）")
    person.press("保存する")
    expect(page.get_by_text("保存しました", exact=False).first).to_be_visible()
    person.snap("changed")
    person.follow("確認・提出へ", within=page.get_by_role("navigation", name="申請書の項目"))
    person.press("再提出する")
    expect(page.get_by_test_id("receipt-number")).to_have_text(number)
    person.snap("resubmitted")
    assert Application.objects.get(receipt_number=number).state == Application.State.SUBMITTED


@pytest.mark.parametrize("viewport,keyboard", [(DESKTOP, False), (PHONE, False), (DESKTOP, True)],
                         ids=["1280", "390", "1280-keyboard"])
def test_apply_whole_journey_by_a_person(live_server, browser, settings, viewport, keyboard):
    settings.SITE_URL = live_server.url
    fresh_rate_limits()  # allauth's limit on confirmation mails per address lives in the cache
    open_dx_round(1)
    journey = "applicant-keyboard" if keyboard else "applicant"
    person = new_person(browser, journey, viewport, keyboard=keyboard)
    _journey(person, browser, live_server.url, viewport)
    person.page.context.close()
    assert person.violations == []


def test_apply_unsaved_changes_warn_before_leaving(live_server, page):
    """Typing and then following a link asks before the page is left; declining keeps the text."""
    user, application = sapporo_draft(open_dx_round(1))
    person = log_in(Person(page, accept_dialogs=False), live_server.url, user.email)
    open_draft(person, "方向性")
    person.type("DX推進のビジョン", "まだ保存していない文章")
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    person.follow("地域性", within=page.get_by_role("navigation", name="申請書の項目"))
    expect(page.get_by_label("DX推進のビジョン")).to_have_value("まだ保存していない文章")
    assert dialogs == ["beforeunload"]
