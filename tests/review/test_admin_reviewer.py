"""The reviewer's admin: their own reviews only; every other review or application refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from review.models import Review, RoundReviewSettings

from tests.factories import (
    ApplicantFactory,
    ReviewerFactory,
    StaffFactory,
    assign,
    criteria,
    make_application,
    make_review_round,
    submitted_review,
)

pytestmark = pytest.mark.django_db

FULL = [3, 4, 2, 3, 4, None]


def _change(review):
    return reverse("admin:review_assignedreview_change", args=[review.pk])


def _post_scores(client, review, values, *, submit=False, recommendation="recommend", comment="根拠"):
    data = {"overall_comment": "全体として良い計画です。", "recommendation": recommendation}
    for criterion, value in zip(criteria(review.application.selection_round), values):
        data[f"score_{criterion.pk}"] = "" if value is None else str(value)
        data[f"comment_{criterion.pk}"] = comment
    data["_review" if submit else "_save_draft"] = "1"
    response = client.post(_change(review), data)
    if submit and response.status_code == 302:  # the confirmation page, then its final button
        seen = client.get(response["Location"]).context["seen"]
        response = client.post(_change(review), {"_confirm_submit": "1", "seen": seen})
    return response


@pytest.fixture
def mine(selection_round, reviewer):
    return assign(make_application(selection_round, lab_name="自分の担当ラボ"), reviewer)


@pytest.fixture
def theirs(selection_round):
    return assign(make_application(selection_round, lab_name="他人の担当ラボ"), ReviewerFactory())


def test_reviewer_changelist_lists_only_their_own_reviews(client, reviewer, mine, theirs):
    client.force_login(reviewer)
    response = client.get(reverse("admin:review_assignedreview_changelist"))
    assert [r.pk for r in response.context["cl"].result_list] == [mine.pk]


def test_reviewer_changelist_hides_reviews_they_withdrew_from(client, reviewer, mine, selection_round):
    assign(make_application(selection_round), reviewer, state=Review.State.RECUSED)
    client.force_login(reviewer)
    response = client.get(reverse("admin:review_assignedreview_changelist"))
    assert [r.pk for r in response.context["cl"].result_list] == [mine.pk]


def test_reviewer_changelist_shows_state_and_due_date(client, reviewer, mine):
    client.force_login(reviewer)
    content = client.get(reverse("admin:review_assignedreview_changelist")).content.decode()
    assert ("未着手" in content, "審査期限" in content, "自分の担当ラボ" in content) == (True, True, True)


def _changelist_queries(count):
    selection_round = make_review_round()
    reviewer = ReviewerFactory()
    for _ in range(count):
        assign(make_application(selection_round), reviewer)
        assign(make_application(selection_round), ReviewerFactory())
    from django.test import Client

    client = Client()
    client.force_login(reviewer)
    url = reverse("admin:review_assignedreview_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_reviewer_changelist_query_count_is_pinned():
    assert _changelist_queries(3) == 6


def test_reviewer_changelist_query_count_is_the_same_for_30():
    assert _changelist_queries(30) == _changelist_queries(3)


def test_reviewer_opening_another_reviewers_review_gets_404(client, reviewer, theirs):
    client.force_login(reviewer)
    assert client.get(_change(theirs)).status_code == 404


def test_reviewer_posting_to_another_reviewers_review_gets_404(client, reviewer, theirs):
    client.force_login(reviewer)
    assert _post_scores(client, theirs, FULL).status_code == 404


def test_reviewer_opening_a_missing_review_gets_404(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("admin:review_assignedreview_change", args=[999999])).status_code == 404


def test_reviewer_history_of_another_review_gets_404(client, reviewer, theirs):
    client.force_login(reviewer)
    assert client.get(reverse("admin:review_assignedreview_history", args=[theirs.pk])).status_code == 404


def test_reviewer_cannot_delete_their_review(client, reviewer, mine):
    client.force_login(reviewer)
    assert client.get(reverse("admin:review_assignedreview_delete", args=[mine.pk])).status_code == 403


def test_reviewer_staff_review_admin_is_refused(client, reviewer, mine):
    client.force_login(reviewer)
    assert client.get(reverse("admin:review_review_change", args=[mine.pk])).status_code == 403


def test_reviewer_staff_review_list_is_refused(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("admin:review_review_changelist")).status_code == 403


def test_reviewer_application_admin_is_refused(client, reviewer, mine):
    client.force_login(reviewer)
    url = reverse("admin:applications_application_change", args=[mine.application_id])
    assert client.get(url).status_code == 403


def test_reviewer_ranking_is_refused(client, reviewer, selection_round):
    client.force_login(reviewer)
    url = reverse("admin:review_roundreviewsettings_ranking", args=[selection_round.review_settings.pk])
    assert client.get(url).status_code == 403


def test_reviewer_decisions_are_refused(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("admin:review_decision_changelist")).status_code == 403


def test_scoring_page_refuses_the_logged_out(client, mine):
    response = client.get(_change(mine))
    assert (response.status_code, response["Location"].startswith(reverse("admin:login"))) == (302, True)


def test_scoring_page_refuses_an_applicant(client, mine):
    client.force_login(ApplicantFactory())
    response = client.get(_change(mine))
    assert (response.status_code, response["Location"].startswith(reverse("admin:login"))) == (302, True)


def test_scoring_page_refuses_staff_who_are_not_reviewers(client, mine):
    client.force_login(StaffFactory())
    assert client.get(_change(mine)).status_code == 403


def test_scoring_page_shows_the_application_section_by_section(client, reviewer, mine):
    client.force_login(reviewer)
    response = client.get(_change(mine))
    assert [view.title for view in response.context["sections"]] == [
        "基本情報", "方向性", "地域性", "革新性", "自治体の積極性と継続性", "多様性と一体感", "その他"]


def test_scoring_page_shows_each_criterion_with_its_points(client, reviewer, mine):
    client.force_login(reviewer)
    content = client.get(_change(mine)).content.decode()
    assert "地域企業の競争優位性の確保等に資するDX推進のための取組であること。" in content


def test_scoring_page_links_the_attachments(client, reviewer, mine):
    from django.core.files.base import ContentFile

    from applications.models import Attachment

    attachment = Attachment(application=mine.application, original_name="計画書.pdf", content_type="application/pdf",
                            extension="pdf", size=10)
    attachment.file.save("x.pdf", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    client.force_login(reviewer)
    content = client.get(_change(mine)).content.decode()
    assert reverse("admin:applications_attachment_download", args=[attachment.pk]) in content


def test_scoring_draft_save_redirects_and_keeps_a_draft(client, reviewer, mine):
    client.force_login(reviewer)
    response = _post_scores(client, mine, [3, None])
    mine.refresh_from_db()
    assert (response.status_code, mine.state) == (302, Review.State.DRAFT)


def test_scoring_submit_locks_and_returns_to_the_list(client, reviewer, mine):
    client.force_login(reviewer)
    response = _post_scores(client, mine, FULL, submit=True)
    mine.refresh_from_db()
    assert (response.status_code, response["Location"], mine.state) == (
        302, reverse("admin:review_assignedreview_changelist"), Review.State.SUBMITTED)


def test_scoring_out_of_scale_is_refused_with_a_message(client, reviewer, mine):
    client.force_login(reviewer)
    response = _post_scores(client, mine, [7, 3, 3, 3, 3, None])
    assert (response.status_code, "「方向性」の評点は0から5の範囲で入力してください" in response.content.decode()) == (
        400, True)


def test_scoring_top_score_without_comment_is_refused_on_submit(client, reviewer, mine):
    client.force_login(reviewer)
    response = _post_scores(client, mine, [5, 3, 3, 3, 3, None], submit=True, comment="")
    assert (response.status_code, "理由をコメントに記入してください" in response.content.decode()) == (400, True)


def test_scoring_refused_input_is_kept_on_the_page(client, reviewer, mine):
    client.force_login(reviewer)
    response = _post_scores(client, mine, [7, 3, 3, 3, 3, None], comment="消えてはいけない文章")
    assert "消えてはいけない文章" in response.content.decode()


def test_scoring_submitted_review_is_shown_read_only(client, reviewer, mine):
    client.force_login(reviewer)
    _post_scores(client, mine, FULL, submit=True)
    response = client.get(_change(mine))
    assert (response.context["locked"], "<fieldset disabled>" in response.content.decode()) == (True, True)


def test_scoring_submitted_review_refuses_a_post(client, reviewer, mine):
    client.force_login(reviewer)
    _post_scores(client, mine, FULL, submit=True)
    response = _post_scores(client, mine, [1, 1, 1, 1, 1, None])
    assert (response.status_code, list(mine.scores.order_by("criterion__order").values_list("value", flat=True))) == (
        409, [3, 4, 2, 3, 4, None])


def test_scoring_recuse_removes_it_from_the_list(client, reviewer, mine):
    client.force_login(reviewer)
    client.post(_change(mine), {"_recuse": "1", "recuse-reason": "申請主体の審議会委員のため"})
    mine.refresh_from_db()
    assert mine.state == Review.State.RECUSED


def test_scoring_page_shows_other_reviews_after_submission_when_allowed(client, reviewer):
    selection_round = make_review_round(other_reviews_visibility=RoundReviewSettings.Visibility.AFTER_OWN_SUBMISSION)
    application = make_application(selection_round)
    other = ReviewerFactory(last_name="他者", first_name="花子")
    submitted_review(application, other, FULL)
    mine = submitted_review(application, reviewer, FULL)
    client.force_login(reviewer)
    content = client.get(_change(mine)).content.decode()
    assert ("他の審査員の審査" in content, "審査員A" in content, "他者" in content) == (True, True, False)


def test_scoring_page_hides_other_reviews_by_default(client, reviewer):
    selection_round = make_review_round()
    application = make_application(selection_round)
    submitted_review(application, ReviewerFactory(), FULL)
    mine = submitted_review(application, reviewer, FULL)
    client.force_login(reviewer)
    assert "他の審査員の審査" not in client.get(_change(mine)).content.decode()


def test_reviewer_declares_a_conflict_in_the_admin(client, reviewer):
    from labportal.models import Region
    from review.models import ConflictOfInterest

    client.force_login(reviewer)
    region = Region.objects.get(kind=Region.Kind.PREFECTURE, name="北海道")
    client.post(reverse("admin:review_conflictofinterest_add"), {"region": region.pk, "reason": "出身地"})
    assert list(ConflictOfInterest.objects.values_list("reviewer_id", "region_id")) == [(reviewer.pk, region.pk)]


def test_reviewer_sees_only_their_own_conflicts(client, reviewer):
    from labportal.models import Region
    from review.models import ConflictOfInterest

    region = Region.objects.get(kind=Region.Kind.PREFECTURE, name="北海道")
    own = ConflictOfInterest.objects.create(reviewer=reviewer, region=region)
    ConflictOfInterest.objects.create(reviewer=ReviewerFactory(), region=region)
    client.force_login(reviewer)
    response = client.get(reverse("admin:review_conflictofinterest_changelist"))
    assert [c.pk for c in response.context["cl"].result_list] == [own.pk]
