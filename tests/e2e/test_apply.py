"""A municipal officer applies in a real browser: signs up, confirms the mail, registers the
municipality, fills every section, uploads a PDF, submits, sees the receipt number and gets the
receipt mail. Every form page on the way is checked with axe-core."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from labportal.models import OutboxMail, Programme, SelectionRound

from .applicants import PASSWORD, log_in, sapporo_draft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class AxeLog:
    """Runs axe-core on each page it is given and keeps the serious and critical violations."""

    def __init__(self, page):
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.axe, self.violations = page, Axe(), []

    def check(self, name):
        found = self.axe.run(self.page).response["violations"]
        self.violations += [(name, v["id"], [n["target"] for n in v["nodes"]][:3])
                            for v in found if v["impact"] in ("serious", "critical")]


def _save_and_next(page):
    page.get_by_role("button", name="保存して次へ").click()


@pytest.fixture
def open_round(transactional_db):
    now = timezone.now()
    return SelectionRound.objects.create(
        programme=Programme.objects.get(code="dx"), number=1, state=SelectionRound.State.OPEN,
        opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=14))


def test_apply_from_sign_up_to_receipt(live_server, page, open_round, mailoutbox, settings):
    settings.SITE_URL = live_server.url
    axe = AxeLog(page)
    page.on("dialog", lambda dialog: dialog.accept())

    # Sign up and confirm the address with the mailed link.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="アカウント作成").click()
    axe.check("signup")
    page.get_by_label("姓").fill("札幌")
    page.get_by_label("名", exact=False).first.fill("花子")
    page.get_by_label("メールアドレス").fill("hanako@city.sapporo.example.jp")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="アカウントを作成する").click()
    expect(page.get_by_role("heading", name="確認のメールをお送りしました")).to_be_visible()
    from labportal.services import outbox_send

    # The confirmation mail is a row in the outbox; send it as the worker would.
    outbox_send(mail_id=OutboxMail.objects.get(event="account_email_confirmation").pk)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    axe.check("confirm-email")
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("heading", name="申請の一覧")).to_be_visible()

    # Register the municipality (hiragana and full-width digits are accepted and normalised).
    page.get_by_role("link", name="新しい団体を登録する").click()
    axe.check("organisation")
    page.get_by_label("団体名", exact=False).first.fill("札幌市")
    page.get_by_label("団体名（フリガナ）").fill("さっぽろし")
    page.get_by_label("地方公共団体（都道府県・市区町村）").check()
    page.get_by_label("対象地域").select_option(label="札幌市（北海道）")
    page.get_by_label("電話番号").fill("０１１－２１１－２１１１")
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_text("「札幌市」を登録しました")).to_be_visible()
    axe.check("dashboard")

    page.get_by_role("button", name="この回の申請書を作成する").click()

    # 1. 基本情報
    expect(page.get_by_role("heading", name="基本情報")).to_be_visible()
    axe.check("basic")
    page.get_by_label("ラボの名称").fill("札幌市地域DX推進ラボ")
    page.get_by_label("実施主体の名称").fill("札幌市DX推進協議会")
    page.get_by_label("実施主体の構成").fill("札幌市、北海道大学、札幌商工会議所")
    page.get_by_label("担当者 氏名").fill("札幌 花子")
    page.get_by_label("担当者 フリガナ").fill("さっぽろ はなこ")
    page.get_by_label("担当者 部署").fill("経済観光局")
    page.get_by_label("担当者 電話番号").fill("011-211-2111")
    page.get_by_label("担当者 メールアドレス").fill("dx@city.sapporo.example.jp")
    _save_and_next(page)

    # 2. 方向性, with a KPI and a year of the roadmap
    expect(page.get_by_role("heading", name="方向性")).to_be_visible()
    axe.check("direction")
    page.get_by_label("DX推進のビジョン").fill("データで稼ぐ北の産業都市")
    page.locator("#id_goals").fill("地域企業のDX支援を年100件")
    page.get_by_label("目標に至るプロセス").fill("相談窓口→専門家派遣→実証")
    page.get_by_label("指標（1行目）").fill("DX支援件数")
    page.get_by_label("現状値（1行目）").fill("１０件")
    page.get_by_label("目標値（1行目）").fill("１００件")
    page.get_by_label("目標年度（1行目）").fill("２０２８")
    page.get_by_label("年度（1行目）", exact=True).fill("2026")
    page.get_by_label("取組内容（1行目）").fill("相談窓口の開設")
    _save_and_next(page)

    # 3. 地域性
    expect(page.get_by_role("heading", name="地域性")).to_be_visible()
    axe.check("regionality")
    page.get_by_label("解決を目指す地域課題").fill("人手不足と観光の季節変動")
    page.get_by_label("対象とする産業").fill("観光業、食品製造業")
    page.get_by_label(re.compile("^① ")).check()
    _save_and_next(page)

    # 4. 革新性
    expect(page.get_by_role("heading", name="革新性")).to_be_visible()
    axe.check("innovation")
    page.get_by_label("Ⅱ 新規産業の創出").check()
    page.get_by_label("相談窓口").check()
    page.get_by_label("専門家派遣").check()
    page.get_by_label("取組の内容と計画").fill("相談窓口を開き、専門家を派遣する。")
    _save_and_next(page)

    # 5. 自治体の積極性と継続性
    expect(page.get_by_role("heading", name="自治体の積極性と継続性")).to_be_visible()
    axe.check("commitment")
    page.get_by_label("自治体の役割と関与").fill("市が事務局を担う")
    page.get_by_label("年間予算（円）").fill("１２，０００，０００円")
    page.get_by_label("予算・資金計画（経済的な自立に向けて）").fill("市予算と会費")
    page.get_by_label("リターンを生み出す仕組み").fill("会員企業の会費と受託収入")
    page.get_by_label("ラボを運営・発展させる人材").fill("専任職員2名")
    _save_and_next(page)

    # 6. 多様性と一体感
    expect(page.get_by_role("heading", name="多様性と一体感")).to_be_visible()
    axe.check("diversity")
    page.get_by_label("連携・参加の体制").fill("産学官金の協議会")
    page.get_by_label("機関・団体名（1行目）").fill("北海道大学")
    page.get_by_label("種別（1行目）").select_option(label="大学・各種学校")
    page.get_by_label("役割（1行目）").fill("技術支援")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_test_id("kind-coverage")).to_contain_text("1種別")
    _save_and_next(page)

    # 7. その他 (optional: a bonus criterion)
    expect(page.get_by_role("heading", name="その他")).to_be_visible()
    axe.check("other")
    page.get_by_label("オープンデータの活用").fill("市のオープンデータを公開")
    _save_and_next(page)

    # 8. 添付書類: a PDF
    expect(page.get_by_role("heading", name="添付書類")).to_be_visible()
    page.get_by_label("書類の種類").select_option(label="計画書・説明資料")
    page.locator("#id_file").set_input_files(
        files=[{"name": "計画書.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="添付する").click()
    expect(page.get_by_role("link", name="計画書.pdf")).to_be_visible()
    axe.check("attachments")

    # Check and submit.
    page.get_by_role("link", name="確認・提出へ進む").click()
    expect(page.get_by_test_id("checklist-complete")).to_be_visible()
    axe.check("detail")
    page.get_by_role("button", name="申請書を提出する").click()
    receipt = page.get_by_test_id("receipt-number")
    expect(receipt).to_have_text(re.compile(r"^DX-\d{4}-01-0001$"))
    number = receipt.inner_text()
    expect(page.get_by_text(f"受付番号は {number} です")).to_be_visible()

    # The receipt mail: a row in the outbox, sent through the mail backend by the outbox service.
    row = OutboxMail.objects.get(event="applications_submitted")
    outbox_send(mail_id=row.pk)
    receipt_mail = mail.outbox[-1]
    assert (receipt_mail.to, number in receipt_mail.subject, number in receipt_mail.body) == (
        ["hanako@city.sapporo.example.jp"], True, True)
    assert axe.violations == []


def test_apply_unsaved_changes_warn_before_leaving(live_server, page, open_round):
    """Typing and then following a link asks before the page is left; declining keeps the text."""
    user, application = sapporo_draft(open_round)
    log_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/applications/{application.pk}/sections/direction/")
    page.get_by_label("DX推進のビジョン").fill("まだ保存していない文章")
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.get_by_role("link", name="地域性").click()
    expect(page.get_by_label("DX推進のビジョン")).to_have_value("まだ保存していない文章")
    assert dialogs == ["beforeunload"]
