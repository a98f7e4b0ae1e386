"""The pages: the lab's organisation prepares and submits its plan change in the browser's
forms; staff decide. Every page refuses the logged-out user, another organisation's member and
the wrong role (404 for an organisation's request: the same answer as for a missing id)."""

import pytest
from django.contrib.auth.models import Group

from applications.models import Application, Participant
from labportal.models import Lab, Role
from transition import services
from transition.models import TransitionClaim, TransitionRequest
from tests.factories import OrganisationFactory, UserFactory, member_of

from .conftest import fill_plan, iot_lab, request_of

pytestmark = pytest.mark.django_db
State = TransitionRequest.State


@pytest.fixture
def stranger(db):
    """A member of another organisation (会津若松市 is not theirs)."""
    return member_of(OrganisationFactory(name="郡山市"), email="koriyama@city.example.jp")


@pytest.fixture
def reviewer(db):
    user = UserFactory(email="reviewer@example.go.jp", is_staff=True, role=Role.REVIEWER)
    user.groups.remove(Group.objects.get(name=Role.APPLICANT))
    return user


def organisation_pages(transition_request):
    pk = transition_request.pk
    return [("get", f"/transition/requests/{pk}/"), ("post", f"/transition/requests/{pk}/start/"),
            ("get", f"/transition/requests/{pk}/statement/"), ("get", f"/transition/requests/{pk}/plan/basic/"),
            ("post", f"/transition/requests/{pk}/plan/basic/"), ("get", f"/transition/requests/{pk}/plan/attachments/"),
            ("post", f"/transition/requests/{pk}/submit/"), ("post", f"/transition/requests/{pk}/decline/")]


def staff_pages(transition_request):
    return [("get", "/transition/dashboard/"), ("post", "/transition/dashboard/remind/"),
            ("get", "/transition/dashboard/export.csv"), ("get", "/transition/dashboard/export.xlsx"),
            ("get", f"/transition/staff/requests/{transition_request.pk}/"),
            ("post", f"/transition/staff/requests/{transition_request.pk}/")]


def test_organisation_pages_redirect_the_logged_out_to_login(drafted, client):
    for method, url in organisation_pages(drafted):
        response = getattr(client, method)(url)
        assert (url, response.status_code, response["Location"].split("?")[0]) == (url, 302, "/accounts/login/")


def test_organisation_pages_answer_404_to_another_organisation(drafted, stranger, client):
    client.force_login(stranger)
    for method, url in organisation_pages(drafted):
        assert (url, getattr(client, method)(url).status_code) == (url, 404)
    drafted.refresh_from_db()
    assert drafted.state == State.DRAFT


def test_organisation_pages_answer_404_to_staff_who_are_not_members(drafted, staff, client):
    client.force_login(staff)
    for method, url in organisation_pages(drafted):
        assert (url, getattr(client, method)(url).status_code) == (url, 404)


def test_organisation_pages_answer_404_for_a_missing_id(member, client):
    client.force_login(member)
    assert client.get("/transition/requests/999999/").status_code == 404


def test_another_organisation_does_not_see_the_lab_in_its_list(drafted, stranger, client):
    client.force_login(stranger)
    response = client.get("/transition/")
    assert response.context["requests"] == []


def test_organisation_sees_its_lab_in_its_list(drafted, member, client):
    client.force_login(member)
    assert [r.lab.name for r in client.get("/transition/").context["requests"]] == ["会津若松市"]


def test_staff_pages_redirect_the_logged_out_to_login(transition_request, client):
    for method, url in staff_pages(transition_request):
        response = getattr(client, method)(url)
        assert (url, response.status_code) == (url, 302)


def test_staff_pages_refuse_applicants_and_reviewers(transition_request, member, reviewer, client):
    for user in (member, reviewer):
        client.force_login(user)
        for method, url in staff_pages(transition_request):
            assert (user.email, url, getattr(client, method)(url).status_code) == (user.email, url, 403)


def test_staff_pages_render_for_staff(transition_request, staff, client):
    client.force_login(staff)
    for method, url in staff_pages(transition_request):
        if method == "get":
            assert (url, client.get(url).status_code) == (url, 200)


def _section_post(transition_request, key, **fields):
    application = Application.objects.get(pk=transition_request.application_id)
    section = getattr(application, key)
    return {"version": section.version, **fields}


def test_plan_change_end_to_end_through_the_pages(transition_request, member, staff, client):
    client.force_login(member)
    page = client.get(f"/transition/requests/{transition_request.pk}/").content.decode()
    assert "変更計画書の作成を始める" in page
    response = client.post(f"/transition/requests/{transition_request.pk}/start/")
    assert response["Location"] == f"/transition/requests/{transition_request.pk}/plan/basic/"
    transition_request = fill_plan(request_of(iot_lab()))
    TransitionRequest.objects.filter(pk=transition_request.pk).update(changes_statement="")
    data = _section_post(transition_request, "direction", vision="新しいビジョン", goals="目標", process="手順",
                         **{"kpis-TOTAL_FORMS": 0, "kpis-INITIAL_FORMS": 0, "roadmap-TOTAL_FORMS": 0,
                            "roadmap-INITIAL_FORMS": 0})
    kpi = transition_request.application.kpis.get()
    data.update({"kpis-TOTAL_FORMS": 1, "kpis-INITIAL_FORMS": 1, "kpis-0-id": kpi.pk, "kpis-0-indicator": "支援件数",
                 "kpis-0-current_value": "10件", "kpis-0-target_value": "１００件", "kpis-0-target_fiscal_year": "２０２８"})
    roadmap = transition_request.application.roadmap_items.get()
    data.update({"roadmap-TOTAL_FORMS": 1, "roadmap-INITIAL_FORMS": 1, "roadmap-0-id": roadmap.pk,
                 "roadmap-0-fiscal_year": "2026", "roadmap-0-plan": "相談窓口"})
    response = client.post(f"/transition/requests/{transition_request.pk}/plan/direction/", data)
    assert response.status_code == 302
    transition_request.application.direction.refresh_from_db()
    assert transition_request.application.direction.vision == "新しいビジョン"
    response = client.post(f"/transition/requests/{transition_request.pk}/statement/",
                           {"changes_statement": "企業（点）の支援を加えます。", "version": 0})
    assert response.status_code == 302
    response = client.post(f"/transition/requests/{transition_request.pk}/submit/", follow=True)
    assert "移行申請（変更計画書）を提出しました" in response.content.decode()
    client.force_login(staff)
    page = client.get(f"/transition/staff/requests/{transition_request.pk}/").content.decode()
    assert "企業（点）の支援を加えます。" in page and "新しいビジョン" in page
    response = client.post(f"/transition/staff/requests/{transition_request.pk}/",
                           {"decide": "1", "to_state": State.APPROVED, "message": ""})
    assert response.status_code == 302
    dx = Lab.objects.get(predecessor=iot_lab())
    listing = client.get("/labs/", {"programme": "dx"}).content.decode()
    assert f'href="/labs/{dx.pk}/"' in listing
    detail = client.get(f"/labs/{dx.pk}/").content.decode()
    assert "移行元" in detail and "第1弾" in detail and "2016年7月" in detail


def test_section_save_two_tabs_keeps_the_later_text_and_says_why(drafted, member, client):
    client.force_login(member)
    url = f"/transition/requests/{drafted.pk}/plan/other/"
    first = client.post(url, _section_post(drafted, "other", open_data="一つ目のタブ"))
    assert first.status_code == 302
    stale = client.post(url, {"version": 0, "open_data": "二つ目のタブ"})
    assert stale.status_code == 409
    assert "二つ目のタブ" in stale.content.decode() and "一つ目のタブ" in stale.content.decode()


# A successful plan section save: session, user; the request (the access check); the plan with
# this section only; the policy in force (may the organisation edit now); the table's rows (the
# formset's one query); the request locked, the policy again under the lock, the plan locked, the
# section locked, its UPDATE, the plan's updated_at; and the test's savepoints around the
# transaction. Unchanged rows are not written. (22 when the save read the whole plan.)
PLAN_SECTION_SAVE_QUERIES = 14


def _diversity_post(transition_request, participants, collaboration):
    data = _section_post(transition_request, "diversity", collaboration=collaboration,
                         **{"participants-TOTAL_FORMS": len(participants),
                            "participants-INITIAL_FORMS": len(participants)})
    for index, participant in enumerate(participants):
        data.update({f"participants-{index}-id": participant.pk, f"participants-{index}-name": participant.name,
                     f"participants-{index}-kind": participant.kind, f"participants-{index}-role": participant.role})
    return data


@pytest.mark.parametrize("count", [1, 30])
def test_plan_section_save_query_count_same_for_1_and_30_participants(drafted, member, client,
                                                                       django_assert_num_queries, count):
    application = drafted.application
    application.participants.all().delete()
    participants = [Participant.objects.create(application=application, name=f"機関{n}", kind="company",
                                               role="r", order=n + 1) for n in range(count)]
    client.force_login(member)
    client.get("/transition/")  # the session is written once, on the first visit
    data = _diversity_post(drafted, participants, "産学官で連携する")
    with django_assert_num_queries(PLAN_SECTION_SAVE_QUERIES):
        response = client.post(f"/transition/requests/{drafted.pk}/plan/diversity/", data)
    assert (response.status_code, type(application.diversity).objects.get(application=application).collaboration) == (
        302, "産学官で連携する")


def test_plan_section_save_refused_shows_what_was_typed_and_saves_nothing(drafted, member, client):
    participant = drafted.application.participants.get()
    participant.name, participant.kind = "新しく入力した機関", "no-such-kind"
    client.force_login(member)
    response = client.post(f"/transition/requests/{drafted.pk}/plan/diversity/",
                           _diversity_post(drafted, [participant], "入力したままの連携"))
    page = response.content.decode()
    assert (response.status_code, "入力したままの連携" in page, "新しく入力した機関" in page,
            type(drafted.application.diversity).objects.get(application=drafted.application).collaboration) == (
        400, True, True, "産学官の協議会")


def test_staff_decision_refused_without_a_reason_for_rejection(submitted, staff, client):
    client.force_login(staff)
    response = client.post(f"/transition/staff/requests/{submitted.pk}/",
                           {"decide": "1", "to_state": State.RETURNED, "message": ""})
    assert response.status_code == 400
    assert "理由" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_staff_decision_offers_only_the_allowed_moves(submitted, staff, client):
    client.force_login(staff)
    response = client.get(f"/transition/staff/requests/{submitted.pk}/")
    choices = {value for value, _label in response.context["form"].fields["to_state"].choices}
    # 計画変更手続きの提出のみ: staff receive it (受理); no review, so no 再選定の審査中 and no 不承認
    assert choices == {State.APPROVED, State.RETURNED}
    labels = dict(response.context["form"].fields["to_state"].choices)
    assert labels[State.APPROVED].startswith("受理する")


def test_organisation_pages_render_for_the_member(drafted, member, client):
    client.force_login(member)
    for key in ("basic", "direction", "regionality", "innovation", "commitment", "diversity", "other"):
        assert (key, client.get(f"/transition/requests/{drafted.pk}/plan/{key}/").status_code) == (key, 200)
    for url in ("", "statement/", "plan/attachments/"):
        assert (url, client.get(f"/transition/requests/{drafted.pk}/{url}").status_code) == (url, 200)
    assert client.get("/transition/").status_code == 200


def test_claim_then_staff_confirm_links_the_lab(stranger, staff, policy, client):
    sendai = request_of(iot_lab("仙台市"))
    client.force_login(stranger)
    organisation = stranger.memberships.get().organisation
    response = client.post("/transition/", {"request": sendai.pk, "organisation": organisation.pk,
                                            "message": "当課がラボの事務局です。"})
    assert response.status_code == 302
    claim = TransitionClaim.objects.get()
    services.claim_decide(claim=claim, confirm=True, by=staff)
    sendai.refresh_from_db()
    assert sendai.organisation == organisation
    assert [r.lab.name for r in client.get("/transition/").context["requests"]] == ["仙台市"]


def test_declared_not_moving_through_the_page(transition_request, member, client):
    client.force_login(member)
    client.post(f"/transition/requests/{transition_request.pk}/decline/", {"message": "継続しません"})
    transition_request.refresh_from_db()
    assert (transition_request.state, transition_request.decision_message) == (State.DECLINED, "継続しません")


def test_dashboard_without_any_policy_says_to_register_one(staff, client):
    client.force_login(staff)
    response = client.get("/transition/dashboard/")
    assert response.status_code == 200
    assert "移行方針がまだ登録されていません" in response.content.decode()


def test_menu_links_staff_to_the_dashboard_and_applicants_to_their_labs(staff, member, client):
    client.force_login(staff)
    assert 'href="/transition/dashboard/"' in client.get("/").content.decode()
    client.force_login(member)
    page = client.get("/").content.decode()
    assert 'href="/transition/"' in page and 'href="/transition/dashboard/"' not in page
