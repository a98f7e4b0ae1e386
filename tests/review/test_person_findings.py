"""What a person found in the review and decisions (issue 14): no scores while an application is
back with its applicant, scores that know the version they were given for, a confirmation before a
review is submitted for good, closing a round early only after confirming (with a mail to those
with drafts), a refusal to announce that says what to do, and the ranking one click away."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationVersion
from labportal.models import OutboxMail, SelectionRound
from review import services
from review.models import Review, Score

from tests.factories import (
    OrganisationFactory,
    ReviewerFactory,
    assign,
    criteria,
    make_application,
    make_review_round,
    member_of,
    score_inputs,
    submitted_review,
)

pytestmark = pytest.mark.django_db

FULL = [3, 4, 2, 3, 4, None]


def _snapshot(vision: str) -> dict:
    return {"receipt_number": "", "organisation": "", "attachments": [],
            "sections": [{"key": "vision", "title": "方向性", "tables": [], "fields": [["目指す姿", vision]]}]}


def _version(application, number: int, vision: str) -> ApplicationVersion:
    return ApplicationVersion.objects.create(application=application, number=number, data=_snapshot(vision),
                                             submitted_at=timezone.now())


def _change(review):
    return reverse("admin:review_assignedreview_change", args=[review.pk])


def _post_scores(client, review, values, button, comment="根拠"):
    data = {"overall_comment": "全体として良い計画です。", "recommendation": "recommend", button: "1"}
    for criterion, value in zip(criteria(review.application.selection_round), values):
        data[f"score_{criterion.pk}"] = "" if value is None else str(value)
        data[f"comment_{criterion.pk}"] = comment
    return client.post(_change(review), data)


@pytest.fixture
def mine(selection_round, reviewer):
    return assign(make_application(selection_round, lab_name="自分の担当ラボ"), reviewer)


# --- No scores while the application is back with the applicant -----------------------------------

def test_scoring_a_returned_application_is_refused_and_stores_nothing(selection_round, reviewer, mine):
    Application.objects.filter(pk=mine.application_id).update(state=Application.State.RETURNED)
    with pytest.raises(services.ReviewLocked, match="差し戻し中"):
        services.review_save(review=mine, by=reviewer, scores=score_inputs(selection_round, FULL))
    assert Score.objects.filter(review=mine).count() == 0


def test_scoring_page_of_a_returned_application_says_why_and_offers_no_save(client, reviewer, mine):
    Application.objects.filter(pk=mine.application_id).update(state=Application.State.RETURNED)
    client.force_login(reviewer)
    content = client.get(_change(mine)).content.decode()
    assert (services.RETURNED_REFUSAL in content, "<fieldset disabled>" in content, 'name="_save_draft"' in content) \
        == (True, True, False)


def test_scoring_post_for_a_returned_application_shows_the_reason(client, reviewer, mine):
    Application.objects.filter(pk=mine.application_id).update(state=Application.State.RETURNED)
    client.force_login(reviewer)
    response = _post_scores(client, mine, FULL, "_save_draft")
    assert (response.status_code, services.RETURNED_REFUSAL in response.content.decode()) == (409, True)


# --- Each score knows the version it was given for -------------------------------------------------

def test_score_records_the_application_version_it_was_given_for(selection_round, reviewer, mine):
    _version(mine.application, 1, "観光DX")
    services.review_save(review=mine, by=reviewer, scores=score_inputs(selection_round, FULL))
    assert set(Score.objects.filter(review=mine).values_list("application_version", flat=True)) == {1}


def test_score_saved_again_after_resubmission_moves_to_the_new_version(selection_round, reviewer, mine):
    _version(mine.application, 1, "観光DX")
    services.review_save(review=mine, by=reviewer, scores=score_inputs(selection_round, FULL))
    _version(mine.application, 2, "観光と農業のDX")
    services.review_save(review=mine, by=reviewer, scores=score_inputs(selection_round, FULL))
    assert set(Score.objects.filter(review=mine).values_list("application_version", flat=True)) == {2}


def test_scoring_page_after_resubmission_shows_what_changed(client, selection_round, reviewer, mine):
    _version(mine.application, 1, "観光DXを進める")
    services.review_save(review=mine, by=reviewer, scores=score_inputs(selection_round, FULL))
    _version(mine.application, 2, "観光と農業のDXを進める")
    client.force_login(reviewer)
    content = client.get(_change(mine)).content.decode()
    assert ("第1版 → 第2版、1か所" in content, "<ins>+観光と農業のDXを進める</ins>" in content) == (True, True)


def test_scoring_page_of_the_latest_version_shows_no_changes(client, selection_round, reviewer, mine):
    _version(mine.application, 1, "観光DXを進める")
    services.review_save(review=mine, by=reviewer, scores=score_inputs(selection_round, FULL))
    client.force_login(reviewer)
    assert client.get(_change(mine)).context["version_changes"] is None


def test_ranking_marks_a_review_given_for_an_older_version(client, selection_round, staff):
    application = make_application(selection_round)
    _version(application, 1, "観光DX")
    submitted_review(application, ReviewerFactory(), FULL)
    _version(application, 2, "観光と農業のDX")
    client.force_login(staff)
    response = client.get(reverse("admin:review_roundreviewsettings_ranking",
                                  args=[selection_round.review_settings.pk]))
    assert ([row.outdated for row in response.context["ranking"].rows],
            "旧版への評価1件" in response.content.decode()) == ([1], True)


def test_ranking_does_not_mark_a_review_of_the_latest_version(selection_round):
    from review.selectors import round_ranking

    application = make_application(selection_round)
    _version(application, 1, "観光DX")
    submitted_review(application, ReviewerFactory(), FULL)
    assert [row.outdated for row in round_ranking(selection_round).rows] == [0]


# --- A confirmation before submitting for good -------------------------------------------------------

def test_scoring_submit_button_opens_the_confirmation_and_submits_nothing(client, reviewer, mine):
    client.force_login(reviewer)
    response = _post_scores(client, mine, FULL, "_review")
    mine.refresh_from_db()
    assert (response.status_code, response["Location"], mine.state) == (
        302, _change(mine) + "?confirm=1", Review.State.DRAFT)


def test_scoring_confirmation_page_shows_scores_and_the_final_button(client, reviewer, mine):
    client.force_login(reviewer)
    _post_scores(client, mine, FULL, "_review", comment="地域の課題が明確")
    content = client.get(_change(mine) + "?confirm=1").content.decode()
    assert ("この内容で提出する" in content, "地域の課題が明確" in content, "提出すると変更できません" in content) == (
        True, True, True)


def test_scoring_confirmed_submission_locks_the_review(client, reviewer, mine):
    client.force_login(reviewer)
    _post_scores(client, mine, FULL, "_review")
    seen = client.get(_change(mine) + "?confirm=1").context["seen"]
    response = client.post(_change(mine), {"_confirm_submit": "1", "seen": seen})
    mine.refresh_from_db()
    assert (response.status_code, response["Location"], mine.state) == (
        302, reverse("admin:review_assignedreview_changelist"), Review.State.SUBMITTED)


def test_scoring_confirmation_of_a_draft_changed_meanwhile_submits_nothing(client, reviewer, mine):
    client.force_login(reviewer)
    _post_scores(client, mine, FULL, "_review")
    seen = client.get(_change(mine) + "?confirm=1").context["seen"]
    _post_scores(client, mine, [1, 1, 1, 1, 1, None], "_save_draft")  # another tab
    response = client.post(_change(mine), {"_confirm_submit": "1", "seen": seen}, follow=True)
    mine.refresh_from_db()
    assert (mine.state, "もう一度確認" in response.content.decode()) == (Review.State.DRAFT, True)


def test_scoring_incomplete_review_never_reaches_the_confirmation(client, reviewer, mine):
    client.force_login(reviewer)
    response = _post_scores(client, mine, [3, None, None, None, None, None], "_review")
    assert (response.status_code, "「地域性」の評点を入力してください。" in response.content.decode()) == (400, True)


# --- Closing a round early -----------------------------------------------------------------------------

@pytest.fixture
def open_round_with_a_draft():
    selection_round = make_review_round(state=SelectionRound.State.OPEN)
    SelectionRound.objects.filter(pk=selection_round.pk).update(
        closes_at=timezone.now() + datetime.timedelta(days=5))
    drafting = make_application(selection_round, organisation=OrganisationFactory(name="下書き市役所"),
                                state=Application.State.DRAFT)
    submitted = make_application(selection_round, organisation=OrganisationFactory(name="提出済市役所"),
                                 state=Application.State.SUBMITTED)
    return selection_round, member_of(drafting.organisation), member_of(submitted.organisation)


def _close_now(client, selection_round, **extra):
    return client.post(reverse("admin:labportal_selectionround_changelist"),
                       {"action": "close_now", ACTION_CHECKBOX_NAME: [selection_round.pk], **extra})


def test_close_now_asks_for_confirmation_and_changes_nothing_yet(client, staff, open_round_with_a_draft):
    selection_round, drafter, _ = open_round_with_a_draft
    client.force_login(staff)
    response = _close_now(client, selection_round)
    selection_round.refresh_from_db()
    assert (response.status_code, selection_round.state, "下書き市役所" in response.content.decode(),
            OutboxMail.objects.filter(event="round_closed_early").count()) == (
        200, SelectionRound.State.OPEN, True, 0)


def test_close_now_confirmed_closes_the_round(client, staff, open_round_with_a_draft):
    selection_round, _, _ = open_round_with_a_draft
    client.force_login(staff)
    _close_now(client, selection_round, confirm="yes")
    selection_round.refresh_from_db()
    assert selection_round.state == SelectionRound.State.REVIEWING


def test_close_now_confirmed_mails_only_the_organisations_with_drafts(client, staff, open_round_with_a_draft):
    selection_round, drafter, submitter = open_round_with_a_draft
    client.force_login(staff)
    _close_now(client, selection_round, confirm="yes")
    [mail] = OutboxMail.objects.filter(event="round_closed_early")
    assert (mail.recipient_user_id, "下書き市役所" in mail.body, "様" in mail.body, "提出できなくなりました" in mail.subject) \
        == (drafter.pk, True, True, True)


def test_close_early_of_a_round_no_longer_open_does_nothing(staff, open_round_with_a_draft):
    selection_round, _, _ = open_round_with_a_draft
    services.round_close_early(selection_round=selection_round, by=staff)
    again = services.round_close_early(selection_round=selection_round, by=staff)
    assert (again.closed, OutboxMail.objects.filter(event="round_closed_early").count()) == (False, 1)


def test_announce_of_an_open_round_says_to_close_it_first(staff):
    selection_round = make_review_round(state=SelectionRound.State.OPEN)
    with pytest.raises(services.ReviewError, match="「選択した公募回を今すぐ締め切る」を実行します"):
        services.round_announce(selection_round=selection_round, by=staff)


def test_announce_page_of_an_open_round_links_to_closing(client, staff):
    selection_round = make_review_round(state=SelectionRound.State.OPEN)
    client.force_login(staff)
    content = client.get(reverse("admin:review_roundreviewsettings_announce",
                                 args=[selection_round.review_settings.pk])).content.decode()
    assert ("まだ公募中のため、公表できません" in content,
            reverse("admin:labportal_selectionround_changelist") in content) == (True, True)


# --- The ranking one click away, readable at 1280 px ---------------------------------------------------

def test_ranking_is_one_click_from_the_rounds_page(client, staff, selection_round):
    client.force_login(staff)
    content = client.get(reverse("admin:labportal_selectionround_change", args=[selection_round.pk])).content.decode()
    assert reverse("admin:review_roundreviewsettings_ranking", args=[selection_round.review_settings.pk]) in content


def test_ranking_is_one_click_from_the_rounds_list(client, staff, selection_round):
    client.force_login(staff)
    content = client.get(reverse("admin:labportal_selectionround_changelist")).content.decode()
    assert reverse("admin:review_roundreviewsettings_ranking", args=[selection_round.review_settings.pk]) in content


def test_ranking_is_one_click_from_the_admin_index(client, staff, selection_round):
    client.force_login(staff)
    content = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:review_roundreviewsettings_ranking", args=[selection_round.review_settings.pk]) in content


def test_admin_index_shows_no_ranking_links_to_a_reviewer(client, reviewer, selection_round):
    client.force_login(reviewer)
    content = client.get(reverse("admin:index")).content.decode()
    assert "審査結果とランキング" not in content


def test_ranking_table_scrolls_in_a_keyboard_reachable_box_with_the_lab_name_first(client, staff, selection_round):
    make_application(selection_round, lab_name="とても長い名前の地域DX推進ラボ")
    client.force_login(staff)
    content = client.get(reverse("admin:review_roundreviewsettings_ranking",
                                 args=[selection_round.review_settings.pk])).content.decode()
    assert ('role="region" tabindex="0" aria-labelledby="ranking-caption"' in content,
            '<th scope="row" class="review-sticky">' in content) == (True, True)


# --- Date-and-time boxes a screen reader can name ------------------------------------------------------

def test_assignment_due_date_boxes_have_names(client, staff, selection_round):
    client.force_login(staff)
    content = client.get(reverse("admin:review_roundreviewsettings_assign",
                                 args=[selection_round.review_settings.pk])).content.decode()
    assert ('aria-label="審査期限（日付）"' in content, 'aria-label="審査期限（時刻）"' in content) == (True, True)


def test_hearing_date_and_time_boxes_have_names(client, staff):
    client.force_login(staff)
    content = client.get(reverse("admin:review_hearing_add")).content.decode()
    assert ('aria-label="日時（日付）"' in content, 'aria-label="日時（時刻）"' in content) == (True, True)


def test_reviewers_list_marks_an_application_resubmitted_after_their_scores(client, selection_round, reviewer, mine):
    _version(mine.application, 1, "観光DX")
    services.review_save(review=mine, by=reviewer, scores=score_inputs(selection_round, FULL))
    _version(mine.application, 2, "観光と農業のDX")
    client.force_login(reviewer)
    content = client.get(reverse("admin:review_assignedreview_changelist")).content.decode()
    assert "再提出あり（変更点を確認してください）" in content


def test_reviewers_list_does_not_mark_scores_of_the_latest_version(client, selection_round, reviewer, mine):
    _version(mine.application, 1, "観光DX")
    services.review_save(review=mine, by=reviewer, scores=score_inputs(selection_round, FULL))
    client.force_login(reviewer)
    content = client.get(reverse("admin:review_assignedreview_changelist")).content.decode()
    assert "再提出あり" not in content
