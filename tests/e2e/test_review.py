"""Journey 2 in a real browser, by clicks alone, at 1280x900 and at 390x844: a reviewer logs in
with their password and the code their authenticator app shows, opens the application assigned to
them, scores each criterion with a comment, confirms what they will submit, and submits it.
Every page is photographed (var/screenshots/reviewer/<width>/) and checked with axe-core."""

import pytest

from review import services
from review.models import Review, Score
from tests.factories import (
    PASSWORD,
    ReviewerFactory,
    StaffFactory,
    make_application,
    make_review_round,
    member_of,
)

from .person import DESKTOP, PHONE, expect, new_person, type_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCORES = (("方向性", "4"), ("地域性", "3"), ("革新性", "4"), ("自治体の積極性と継続性", "3"), ("多様性と一体感", "4"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_reviewer_logs_in_with_the_second_factor_scores_confirms_and_submits(live_server, browser, settings,
                                                                              viewport):
    settings.SITE_URL = live_server.url
    selection_round = make_review_round(per_application=1)
    application = make_application(selection_round, lab_name="ブラウザ市地域DX推進ラボ")
    member_of(application.organisation)
    reviewer = ReviewerFactory(email="reviewer-e2e@example.go.jp", last_name="審査", first_name="一郎")
    services.review_assign(application=application, reviewer=reviewer, by=StaffFactory())
    person = new_person(browser, "reviewer", viewport)

    # The admin asks for the password, then for the code of the authenticator app.
    person.go_to_site(f"{live_server.url}/admin/")
    person.snap("login")
    person.type("メールアドレス", reviewer.email)
    person.type("パスワード", PASSWORD, exact=True)
    person.press("ログイン", exact=True)
    expect(person.page.get_by_role("heading", name="確認コードの入力")).to_be_visible()
    person.snap("code")
    type_code(person, reviewer.totp_secret)

    # 担当する審査 lists the assignment; the scoring page shows the application beside the form.
    person.follow("担当する審査")
    person.snap("assigned")
    person.follow("ブラウザ市地域DX推進ラボ")
    expect(person.page.get_by_role("heading", name="申請の内容（閲覧のみ）")).to_be_visible()
    person.snap("scoring")
    for name, value in SCORES:
        person.type(f"{name}の評点", value)
        person.type(f"{name}へのコメント", f"{name}について申請書の根拠を確認しました。")
    person.type("総評", "地域の課題とDXの道筋がよく整理されています。")
    person.check("選定を推奨")
    person.press("提出内容を確認する")

    # The confirmation shows what will be submitted; only its button submits for good.
    expect(person.page.get_by_text("提出すると変更できません。")).to_be_visible()
    expect(person.page.get_by_role("cell", name="多様性と一体感について申請書の根拠を確認しました。")).to_be_visible()
    person.snap("confirm")
    assert Review.objects.get(reviewer=reviewer).state == Review.State.DRAFT
    person.press("この内容で提出する")
    expect(person.page.get_by_text("審査を提出しました。提出後は変更できません。")).to_be_visible()
    person.snap("submitted")

    review = Review.objects.get(reviewer=reviewer)
    assert (review.state, sorted(Score.objects.filter(review=review).values_list("value", flat=True))) == (
        Review.State.SUBMITTED, [3, 3, 4, 4, 4])
    person.page.context.close()
    assert not person.violations, "\n".join(map(str, person.violations))
