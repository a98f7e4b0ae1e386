"""Journey 3 in a real browser, by clicks alone, at 1280x900 and at 390x844: staff (事務局) log in
with their second factor, open a round, assign a reviewer, close the round early (confirming on the
page that lists who will be told), schedule a hearing, decide on the ranking page and announce;
the new DX lab is then in the public directory. Every page is photographed
(var/screenshots/staff/<width>/) and checked with axe-core."""

import datetime
import re

import pytest
from django.utils import timezone

from applications.models import Application
from labportal.models import OutboxMail, SelectionRound
from review import services
from review.models import Hearing, Review
from tests.factories import (
    OrganisationFactory,
    PASSWORD,
    ReviewerFactory,
    StaffFactory,
    make_application,
    make_review_round,
    member_of,
    score_inputs,
)

from .person import DESKTOP, PHONE, expect, new_person, type_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LAB = "ブラウザ市地域DX推進ラボ"


def _admin_home(person):
    person.follow("ホーム", within=person.page.locator(".breadcrumbs"))


def _run_action(person, round_name: str, action: str):
    """On the list of rounds: tick the round, choose the action, press 実行."""
    person.check(person.page.get_by_role("checkbox", name=re.compile(re.escape(round_name))))
    person.choose("操作:", action)
    person.press("実行", exact=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_staff_open_assign_close_early_hear_decide_and_announce(live_server, browser, settings, viewport):
    settings.SITE_URL = live_server.url
    selection_round = make_review_round(state=SelectionRound.State.PREPARING, per_application=1)
    now = timezone.now()
    SelectionRound.objects.filter(pk=selection_round.pk).update(
        opens_at=now + datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30))
    round_name = str(selection_round)
    staff = StaffFactory(email="staff-e2e@example.go.jp", last_name="事務", first_name="花子")
    reviewer = ReviewerFactory(email="reviewer-e2e@example.go.jp", last_name="審査", first_name="一郎")
    person = new_person(browser, "staff", viewport)

    # Log in with the password and the authenticator's code.
    person.go_to_site(f"{live_server.url}/admin/")
    person.type("メールアドレス", staff.email)
    person.type("パスワード", PASSWORD, exact=True)
    person.press("ログイン", exact=True)
    type_code(person, staff.totp_secret)
    person.snap("admin-home")

    # Open the round now (準備中 → 公募中).
    person.follow("公募回", exact=True)
    person.snap("rounds")
    _run_action(person, round_name, "選択した公募回の公募を今すぐ開始する（準備中 → 公募中）")
    expect(person.page.get_by_text("1件の公募回を「公募中」にしました。")).to_be_visible()
    person.snap("round-opened")

    # Meanwhile one municipality submits, another still has a draft.
    application = make_application(selection_round, lab_name=LAB, state=Application.State.SUBMITTED)
    member_of(application.organisation)
    drafting = make_application(selection_round, organisation=OrganisationFactory(name="下書き町役場"),
                                state=Application.State.DRAFT)
    drafter = member_of(drafting.organisation)

    # Assign the reviewer, from the round's link on the list of rounds (one click).
    person.follow("審査員の割当")
    person.snap("assign")
    person.check(re.compile(re.escape(LAB)))
    person.check(re.compile(re.escape(reviewer.email)))
    person.press("割り当てる")
    expect(person.page.get_by_text("1件を割り当てました。", exact=False)).to_be_visible()
    person.snap("assigned")

    # Close the round early: a page asks first and names who will be mailed.
    _admin_home(person)
    person.follow("公募回", exact=True)
    _run_action(person, round_name, "選択した公募回を今すぐ締め切る（公募中 → 審査中）")
    expect(person.page.get_by_role("cell", name=re.compile("下書き町役場"))).to_be_visible()
    person.snap("close-confirm")
    assert SelectionRound.objects.get(pk=selection_round.pk).state == SelectionRound.State.OPEN
    person.press("はい、今すぐ締め切ります")
    expect(person.page.get_by_text("1件の公募回を締め切り、「審査中」にしました。", exact=False)).to_be_visible()
    person.snap("closed")
    assert list(OutboxMail.objects.filter(event="round_closed_early").values_list("recipient_user_id", flat=True)) \
        == [drafter.pk]

    # The reviewer scores and submits (journey 2 does it in the browser).
    review = Review.objects.get(application=application, reviewer=reviewer)
    services.review_save(review=review, by=reviewer, submit=True, recommendation="recommend",
                         scores=score_inputs(selection_round, [4, 4, 3, 4, 3, None]))

    # Schedule a hearing with the applicant.
    _admin_home(person)
    person.follow("ヒアリング", exact=True)
    person.follow(re.compile("を追加$"))
    person.choose(re.compile(r"^申請:?$"), application.receipt_number)
    day = timezone.localdate() + datetime.timedelta(days=7)
    person.type("日時（日付）", day.strftime("%Y-%m-%d"))
    person.type("日時（時刻）", "14:00")
    person.type(re.compile("^場所またはオンライン会議のURL"), "https://meet.example.jp/dx-hearing")
    person.snap("hearing")
    person.press("保存", exact=True)
    expect(person.page.get_by_text("申請者にヒアリングのご案内をメールで送ります。")).to_be_visible()
    assert Hearing.objects.filter(application=application).count() == 1

    # Decide on the ranking, one click from the admin's home page.
    _admin_home(person)
    person.follow("ランキング・決定")
    person.snap("ranking")
    # The table scrolls inside its own box, reached with Tab and scrolled with the arrow keys; the
    # lab's name stays in view as the last column comes into it.
    ranking = person.page.get_by_role("region", name=re.compile("の申請と審査結果"))
    person.tab_to(ranking, limit=300)
    person.key("ArrowRight", 40)
    expect(ranking.get_by_role("columnheader", name="決定", exact=True)).to_be_in_viewport()
    expect(ranking.get_by_role("rowheader", name=re.compile(re.escape(LAB)))).to_be_in_viewport()
    person.check(f"{application.receipt_number}を選択")
    person.choose("決定", "選定")
    person.type("理由（記録用）", "総合点が高く、審査員の推薦もあるため。")
    person.press("決定を記録する")
    expect(person.page.get_by_text("1件の決定を記録しました", exact=False)).to_be_visible()
    person.snap("decided")

    # Announce.
    person.follow("公表する")
    person.check(re.compile("取り消せないことを確認しました"))
    person.snap("announce")
    person.press("公表する")
    expect(person.page.get_by_text("公表しました: 決定1件、ラボの登録1件。", exact=False)).to_be_visible()
    person.snap("announced")

    # The public directory lists the new DX lab.
    person.follow("サイトを表示")
    person.open_menu()
    person.follow("ラボ一覧", exact=True)
    person.type("名称で検索", "ブラウザ市")
    person.press("この条件で表示")
    expect(person.page.get_by_role("link", name=LAB)).to_be_visible()
    person.snap("directory")
    person.page.context.close()
    assert not person.violations, "\n".join(map(str, person.violations))
