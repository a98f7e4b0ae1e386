import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import Application, Attachment, Kpi, Membership, Organisation, Participant
from labportal.models import OutboxMail, Region, Role
from tests.factories import OrganisationFactory, UserFactory, make_round, member_of

from .conftest import PDF_BYTES, fill_completely, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of(client):
    def login(user):
        client.force_login(user)
        return client
    return login


@pytest.fixture
def attachment(application, applicant):
    return services.attachment_add(application=application, uploaded=pdf_upload(), kind=Attachment.Kind.PLAN,
                                   user=applicant)


def _urls(application, attachment):
    pk = application.pk
    return [
        ("get", reverse("applications:detail", args=[pk])),
        ("get", reverse("applications:section", args=[pk, "basic"])),
        ("post", reverse("applications:section", args=[pk, "basic"])),
        ("get", reverse("applications:attachments", args=[pk])),
        ("post", reverse("applications:attachment_delete", args=[pk, attachment.pk])),
        ("get", reverse("applications:attachment_download", args=[attachment.pk])),
        ("post", reverse("applications:submit", args=[pk])),
        ("get", reverse("applications:withdraw", args=[pk])),
        ("get", reverse("applications:print", args=[pk])),
        ("get", reverse("applications:members", args=[application.organisation_id])),
    ]


URL_NAMES = ["detail", "section", "section-post", "attachments", "attachment_delete", "download", "submit",
             "withdraw", "print", "members"]


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_page_of_application_redirects_anonymous_to_login(client, application, attachment, index):
    method, url = _urls(application, attachment)[index]
    response = getattr(client, method)(url)
    assert (response.status_code, response["Location"].split("?")[0]) == (302, reverse("login"))


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_page_of_application_is_404_for_another_organisation(client_of, application, attachment, index):
    stranger = member_of(OrganisationFactory(name="会津若松市"))
    method, url = _urls(application, attachment)[index]
    assert getattr(client_of(stranger), method)(url).status_code == 404


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_page_of_application_is_404_for_a_reviewer(client_of, application, attachment, index):
    reviewer = UserFactory(email="reviewer@ipa.example.jp", is_staff=True, role=Role.REVIEWER)
    method, url = _urls(application, attachment)[index]
    assert getattr(client_of(reviewer), method)(url).status_code == 404


@pytest.mark.parametrize("index", range(len(URL_NAMES)), ids=URL_NAMES)
def test_page_of_application_is_404_for_a_pending_member(client_of, application, attachment, index):
    pending = UserFactory(email="pending@city.example.jp")
    Membership.objects.create(user=pending, organisation=application.organisation)
    method, url = _urls(application, attachment)[index]
    assert getattr(client_of(pending), method)(url).status_code == 404


def test_unknown_application_id_is_404_like_another_organisations(client_of, applicant):
    assert client_of(applicant).get(reverse("applications:detail", args=[999999])).status_code == 404


def test_another_organisations_attachment_content_never_served(client_of, attachment):
    stranger = member_of(OrganisationFactory(name="会津若松市"))
    response = client_of(stranger).get(reverse("applications:attachment_download", args=[attachment.pk]))
    assert PDF_BYTES not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_attachment_download_for_member_sends_file_as_attachment(client_of, applicant, attachment):
    response = client_of(applicant).get(reverse("applications:attachment_download", args=[attachment.pk]))
    assert (b"".join(response.streaming_content), response["Content-Type"],
            response["Content-Disposition"].startswith("attachment")) == (PDF_BYTES, "application/pdf", True)


def test_dashboard_refuses_a_reviewer(client_of):
    reviewer = UserFactory(email="reviewer@ipa.example.jp", is_staff=True, role=Role.REVIEWER)
    assert client_of(reviewer).get(reverse("applications:dashboard")).status_code == 403


def test_dashboard_without_organisation_offers_registration(client_of):
    newcomer = UserFactory(email="new@city.example.jp")
    content = client_of(newcomer).get(reverse("applications:dashboard")).content.decode()
    assert reverse("applications:organisation_new") in content


def _dashboard_with(count, organisation, applicant, selection_round):
    # One application per organisation per round: each in a round of its own.
    rounds = [selection_round] + [make_round() for _ in range(count - 1)]
    for each_round in rounds:
        services.application_create(organisation=organisation, selection_round=each_round, user=applicant)


# The applicant's dashboard: session, user, groups, memberships of the user, pending memberships,
# applications with their round and lab name, open rounds, session save.
DASHBOARD_QUERIES = 7


@pytest.mark.parametrize("count", [1, 30])
def test_dashboard_query_count_same_for_1_and_30_applications(client_of, organisation, applicant,
                                                               selection_round, django_assert_num_queries,
                                                               count):
    _dashboard_with(count, organisation, applicant, selection_round)
    client = client_of(applicant)
    client.get(reverse("applications:dashboard"))  # the session is written once, on the first visit
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("applications:dashboard"))
    assert len(response.context["applications"]) == count


def test_dashboard_lists_only_current_organisations_applications(client_of, application, applicant):
    other = OrganisationFactory(name="別団体")
    Membership.objects.create(user=applicant, organisation=other, state=Membership.State.ACTIVE)
    services.application_create(organisation=other, selection_round=application.selection_round, user=applicant)
    client = client_of(applicant)
    client.post(reverse("applications:organisation_switch"), {"organisation": other.pk})
    response = client.get(reverse("applications:dashboard"))
    assert [a.organisation_id for a in response.context["applications"]] == [other.pk]


def test_dashboard_offers_the_existing_draft_instead_of_a_second(client_of, application, applicant):
    client = client_of(applicant)
    page = client.get(reverse("applications:dashboard")).content.decode()
    assert ("作成済みの申請書を開く" in page, reverse("applications:detail", args=[application.pk]) in page,
            "この回の申請書を作成する" in page) == (True, True, False)


def test_dashboard_second_create_opens_the_existing_draft(client_of, application, applicant):
    response = client_of(applicant).post(reverse("applications:new", args=[application.selection_round.pk]),
                                         {"organisation": application.organisation.pk}, follow=True)
    assert (response.redirect_chain[-1][0], Application.objects.count()) == (
        reverse("applications:detail", args=[application.pk]), 1)


def test_dashboard_lists_drafts_first(client_of, organisation, applicant, selection_round):
    submitted = fill_completely(services.application_create(organisation=organisation,
                                                            selection_round=selection_round, user=applicant))
    services.application_submit(application_id=submitted.pk, user=applicant)
    draft = services.application_create(organisation=organisation, selection_round=make_round(), user=applicant)
    Application.objects.filter(pk=draft.pk).update(created_at=submitted.created_at - datetime.timedelta(days=1))
    response = client_of(applicant).get(reverse("applications:dashboard"))
    assert [a.pk for a in response.context["applications"]] == [draft.pk, submitted.pk]


def test_switch_to_organisation_not_a_member_of_is_404(client_of, applicant):
    other = OrganisationFactory(name="別団体")
    response = client_of(applicant).post(reverse("applications:organisation_switch"), {"organisation": other.pk})
    assert response.status_code == 404


def test_organisation_register_normalises_kana_and_phone(client_of):
    user = UserFactory(email="new@city.example.jp")
    client_of(user).post(reverse("applications:organisation_new"), {
        "name": "会津若松市", "name_kana": "あいづわかまつし", "kind": "municipality",
        "regions": [Region.objects.get(name="会津若松市").pk], "phone": "０００ー００００ー０００２"})
    organisation = Organisation.objects.get(name="会津若松市")
    assert (organisation.name_kana, organisation.phone, organisation.status,
            organisation.memberships.get().user) == ("アイヅワカマツシ", "000-0000-0002", "pending", user)


def test_join_request_approved_by_a_member(client_of, organisation, applicant):
    newcomer = UserFactory(email="new@city.example.jp")
    client_of(newcomer).post(reverse("applications:organisation_join"), {"organisation": organisation.pk})
    membership = Membership.objects.get(user=newcomer)
    client = client_of(applicant)
    client.post(reverse("applications:membership_decide", args=[organisation.pk, membership.pk, "approve"]))
    assert Membership.objects.get(pk=membership.pk).state == Membership.State.ACTIVE


def test_join_request_cannot_be_approved_by_the_requester(client_of, organisation):
    newcomer = UserFactory(email="new@city.example.jp")
    client = client_of(newcomer)
    client.post(reverse("applications:organisation_join"), {"organisation": organisation.pk})
    membership = Membership.objects.get(user=newcomer)
    response = client.post(reverse("applications:membership_decide",
                                   args=[organisation.pk, membership.pk, "approve"]))
    assert (response.status_code, Membership.objects.get(pk=membership.pk).state) == (404, "pending")


def test_invitation_accepted_makes_an_active_member(client_of, organisation, applicant):
    client_of(applicant).post(reverse("applications:members", args=[organisation.pk]),
                              {"email": "ＣＯＬＬＥＡＧＵＥ@city.example.jp"})
    invitation = organisation.invitations.get()
    colleague = UserFactory(email="colleague@city.example.jp")
    client_of(colleague).post(reverse("applications:invitation", args=[invitation.token]))
    assert (invitation.email, Membership.objects.get(user=colleague).state) == (
        "colleague@city.example.jp", Membership.State.ACTIVE)


def test_new_application_opens_first_section(client_of, organisation, applicant, selection_round):
    response = client_of(applicant).post(reverse("applications:new", args=[selection_round.pk]),
                                         {"organisation": organisation.pk})
    application = Application.objects.get()
    assert response["Location"] == reverse("applications:section", args=[application.pk, "basic"])


def _basic_post(application, **changes):
    data = {"version": str(application.basic.version), "lab_name": "札幌市地域DX推進ラボ",
            "regions": [Region.objects.get(name="札幌市").pk], "implementing_body": "",
            "implementing_body_members": "", "contact_name": "", "contact_kana": "",
            "contact_department": "", "contact_phone": "", "contact_email": ""}
    data.update(changes)
    return data


def test_section_save_normalises_full_width_phone_and_hiragana_kana(client_of, application, applicant):
    client_of(applicant).post(reverse("applications:section", args=[application.pk, "basic"]), _basic_post(
        application, contact_phone="０００－００００－００００", contact_kana="さっぽろ　たろう",
        contact_email="ＤＸ@City.example.jp"))
    basic = type(application.basic).objects.get(pk=application.basic.pk)
    assert (basic.contact_phone, basic.contact_kana, basic.contact_email) == (
        "000-0000-0000", "サッポロ タロウ", "dx@city.example.jp")


def test_section_bad_phone_error_next_to_field_keeps_input(client_of, application, applicant):
    response = client_of(applicant).post(reverse("applications:section", args=[application.pk, "basic"]),
                                         _basic_post(application, contact_phone="電話なし"))
    content = response.content.decode()
    errors = content[content.index('id="id_contact_phone_errors"'):]
    assert (response.status_code, 'value="電話なし"' in content, "市外局番から" in errors[:300]) == (400, True, True)


def test_section_kana_with_kanji_refused_in_japanese(client_of, application, applicant):
    response = client_of(applicant).post(reverse("applications:section", args=[application.pk, "basic"]),
                                         _basic_post(application, contact_kana="札幌"))
    assert response.context["form"].errors["contact_kana"][0].startswith("フリガナはカタカナで")


def test_section_100000_characters_refused_and_text_kept(client_of, application, applicant):
    text = "あ" * 100_000
    response = client_of(applicant).post(reverse("applications:section", args=[application.pk, "direction"]), {
        "version": "0", "vision": text, "goals": "", "process": "",
        "kpis-TOTAL_FORMS": "0", "kpis-INITIAL_FORMS": "0", "roadmap-TOTAL_FORMS": "0",
        "roadmap-INITIAL_FORMS": "0"})
    content = response.content.decode()
    assert (response.status_code, response.context["form"].errors["vision"],
            text in content, type(application.direction).objects.get(application=application).vision) == (
        400, ["20,000文字以内で入力してください（現在100,000文字）。入力した内容は消えていませんので、短くしてから保存してください。"],
        True, "")


def test_section_script_tag_stored_as_typed_and_shown_as_text(client_of, application, applicant):
    client = client_of(applicant)
    client.post(reverse("applications:section", args=[application.pk, "basic"]),
                _basic_post(application, lab_name="<script>alert(1)</script>ラボ"))
    content = client.get(reverse("applications:print", args=[application.pk])).content.decode()
    assert ("&lt;script&gt;alert(1)&lt;/script&gt;ラボ" in content, "<script>alert(1)" in content) == (True, False)


def test_section_two_tabs_later_save_refused_with_message_and_text_kept(client_of, application, applicant):
    client = client_of(applicant)
    url = reverse("applications:section", args=[application.pk, "basic"])
    client.post(url, _basic_post(application, lab_name="タブAの名称"))  # both tabs opened at version 0
    response = client.post(url, _basic_post(application, lab_name="タブBの名称"))
    content = response.content.decode()
    assert (response.status_code, "別の画面（タブ）" in content, 'value="タブBの名称"' in content,
            type(application.basic).objects.get(application=application).lab_name) == (
        409, True, True, "タブAの名称")


def test_section_after_conflict_second_save_overwrites_deliberately(client_of, application, applicant):
    client = client_of(applicant)
    url = reverse("applications:section", args=[application.pk, "basic"])
    client.post(url, _basic_post(application, lab_name="タブAの名称"))
    response = client.post(url, _basic_post(application, lab_name="タブBの名称"))
    version = re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)
    client.post(url, _basic_post(application, lab_name="タブBの名称", version=version))
    assert type(application.basic).objects.get(application=application).lab_name == "タブBの名称"


def test_section_kpi_rows_saved_with_full_width_year_and_values_as_typed(client_of, application, applicant):
    client_of(applicant).post(reverse("applications:section", args=[application.pk, "direction"]), {
        "version": "0", "vision": "v", "goals": "g", "process": "p",
        "kpis-TOTAL_FORMS": "1", "kpis-INITIAL_FORMS": "0", "kpis-0-indicator": "支援件数",
        "kpis-0-current_value": "１０件", "kpis-0-target_value": "１００件", "kpis-0-target_fiscal_year": "２０２８年度",
        "roadmap-TOTAL_FORMS": "1", "roadmap-INITIAL_FORMS": "0", "roadmap-0-fiscal_year": "",
        "roadmap-0-plan": ""})
    assert list(Kpi.objects.values_list("current_value", "target_value", "target_fiscal_year")) == [
        ("１０件", "１００件", 2028)]  # 現状値 and 目標値 as typed; the year is read by the portal


def test_section_diversity_shows_kinds_covered(client_of, application, applicant):
    for kind in ("school", "company", "company"):
        Participant.objects.create(application=application, name=kind, kind=kind, role="r")
    content = client_of(applicant).get(reverse("applications:section", args=[application.pk, "diversity"]))
    assert "10種別中 <strong>2種別</strong>" in content.content.decode()


# A successful section save: session, user, groups; the application with this section only (the
# access check too); the table's rows (the formset's one query); the application locked, the
# section locked, its UPDATE, the application's updated_at; and the test's savepoints around the
# transaction. Unchanged rows are not written.
SECTION_SAVE_QUERIES = 11


def _diversity_post(application, participants, collaboration):
    data = {"version": str(application.diversity.version), "collaboration": collaboration,
            "participants-TOTAL_FORMS": str(len(participants)),
            "participants-INITIAL_FORMS": str(len(participants))}
    for index, participant in enumerate(participants):
        data.update({f"participants-{index}-id": str(participant.pk), f"participants-{index}-name": participant.name,
                     f"participants-{index}-kind": participant.kind, f"participants-{index}-role": participant.role})
    return data


@pytest.mark.parametrize("count", [1, 30])
def test_section_save_query_count_same_for_1_and_30_participants(client_of, application, applicant,
                                                                  django_assert_num_queries, count):
    participants = [Participant.objects.create(application=application, name=f"機関{n}", kind="company",
                                               role="r", order=n + 1) for n in range(count)]
    client = client_of(applicant)
    client.get(reverse("applications:dashboard"))  # the session is written once, on the first visit
    url = reverse("applications:section", args=[application.pk, "diversity"])
    with django_assert_num_queries(SECTION_SAVE_QUERIES):
        response = client.post(url, _diversity_post(application, participants, "産学官で連携する"))
    assert (response.status_code, type(application.diversity).objects.get(application=application).collaboration) == (
        302, "産学官で連携する")


def test_section_amount_with_full_width_digits_and_yen(client_of, application, applicant):
    client_of(applicant).post(reverse("applications:section", args=[application.pk, "commitment"]), {
        "version": "0", "annual_budget": "１２，０００，０００円", "municipality_role": "", "funding_plan": "",
        "returns": "", "staffing": ""})
    assert type(application.commitment).objects.get(application=application).annual_budget == 12_000_000


def test_section_pages_mark_required_items(client_of, application, applicant):
    content = client_of(applicant).get(reverse("applications:section", args=[application.pk, "basic"]))
    assert content.content.decode().count("※必須") == 9


def test_upload_pdf_named_file_with_other_content_refused_next_to_field(client_of, application, applicant):
    response = client_of(applicant).post(reverse("applications:attachments", args=[application.pk]), {
        "kind": "plan", "file": pdf_upload("plan.pdf", b"MZ\x90\x00 not a pdf at all")})
    assert (response.status_code, "ファイルの中身で判定" in response.content.decode(),
            Attachment.objects.count()) == (400, True, 0)


def test_upload_oversized_refused_with_limit_stated(client_of, application, applicant, settings):
    settings.APPLICATION_ATTACHMENT_MAX_BYTES = 1024 * 1024
    response = client_of(applicant).post(reverse("applications:attachments", args=[application.pk]), {
        "kind": "plan", "file": pdf_upload("big.pdf", PDF_BYTES + b"0" * (1024 * 1024))})
    assert ("1ファイル1MBまで" in response.content.decode(), Attachment.objects.count()) == (True, 0)


def test_upload_pdf_accepted(client_of, application, applicant):
    client_of(applicant).post(reverse("applications:attachments", args=[application.pk]),
                              {"kind": "plan", "file": pdf_upload()})
    assert list(Attachment.objects.values_list("original_name", "content_type")) == [("plan.pdf", "application/pdf")]


def test_detail_checklist_links_to_missing_items(client_of, application, applicant):
    content = client_of(applicant).get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert reverse("applications:section", args=[application.pk, "basic"]) + "#id_lab_name" in content


def test_detail_offers_submission_only_when_complete(client_of, application, applicant):
    client = client_of(applicant)
    before = reverse("applications:submit", args=[application.pk]) in client.get(
        reverse("applications:detail", args=[application.pk])).content.decode()
    fill_completely(application)
    after = reverse("applications:submit", args=[application.pk]) in client.get(
        reverse("applications:detail", args=[application.pk])).content.decode()
    assert (before, after) == (False, True)


def test_submit_shows_receipt_number(client_of, application, applicant):
    fill_completely(application)
    response = client_of(applicant).post(reverse("applications:submit", args=[application.pk]), follow=True)
    number = Application.objects.get().receipt_number
    assert f"受付番号は {number} です" in response.content.decode()


def test_submit_double_post_one_submission_with_message(client_of, application, applicant):
    fill_completely(application)
    client = client_of(applicant)
    client.post(reverse("applications:submit", args=[application.pk]))
    response = client.post(reverse("applications:submit", args=[application.pk]), follow=True)
    assert ("二重には提出されていません" in response.content.decode(),
            OutboxMail.objects.filter(event="applications_submitted").count()) == (True, 1)


# The submission: session, user, groups; the application and its round locked (the access
# check too), every section and table (10: 革新性 has its ①② since issue 16), one UPDATE, the event,
# the version; the members, the outbox's three (existing keys, insert, ids); and the test's savepoints
# around the transaction.
SUBMIT_QUERIES = 23


def test_submit_query_count_is_pinned(client_of, application, applicant, django_assert_num_queries):
    fill_completely(application)
    client = client_of(applicant)
    client.get(reverse("applications:dashboard"))  # the session is written once, on the first visit
    with django_assert_num_queries(SUBMIT_QUERIES):
        client.post(reverse("applications:submit", args=[application.pk]))


def test_submit_by_another_organisations_member_refused_and_left_draft(client_of, application):
    fill_completely(application)
    other = member_of(OrganisationFactory(name="別団体"), email="other@city.example.jp")
    response = client_of(other).post(reverse("applications:submit", args=[application.pk]))
    application.refresh_from_db()
    assert (response.status_code, application.state, application.receipt_number) == (404, Application.State.DRAFT, None)


def test_after_closing_application_read_only_with_reason(client_of, application, applicant):
    closes = application.selection_round.closes_at
    with time_machine.travel(closes + datetime.timedelta(minutes=1), tick=False):
        client = client_of(applicant)
        page = client.get(reverse("applications:section", args=[application.pk, "basic"]))
        post = client.post(reverse("applications:section", args=[application.pk, "basic"]),
                           _basic_post(application, lab_name="締切後"))
    assert ("締め切られました" in page.content.decode(), "<form method=\"post\" novalidate class=\"section-form\""
            in page.content.decode(), post.status_code) == (True, False, 409)


def test_withdraw_needs_confirmation(client_of, application, applicant):
    client = client_of(applicant)
    client.post(reverse("applications:withdraw", args=[application.pk]), {"reason": ""})
    state_unconfirmed = Application.objects.get().state
    client.post(reverse("applications:withdraw", args=[application.pk]), {"reason": "", "confirm": "on"})
    assert (state_unconfirmed, Application.objects.get().state) == ("draft", "withdrawn")


def test_print_view_shows_every_section_in_order(client_of, application, applicant):
    fill_completely(application)
    content = client_of(applicant).get(reverse("applications:print", args=[application.pk])).content.decode()
    titles = ["基本情報", "方向性", "地域性", "革新性", "自治体の積極性と継続性", "多様性と一体感", "その他", "添付書類"]
    positions = [content.index(f"{n}. {t}") for n, t in enumerate(titles, start=1)]
    assert positions == sorted(positions)


def test_resubmission_possible_while_revision_open(client_of, application, applicant):
    fill_completely(application)
    services.application_submit(application_id=application.pk, user=applicant)
    staff = UserFactory(email="staff@meti.example.jp", is_staff=True, role=Role.STAFF)
    services.application_return_for_revision(application_id=application.pk, by=staff, message="KPIを具体的に",
                                             due_at=timezone.now() + datetime.timedelta(days=3))
    content = client_of(applicant).get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert ("KPIを具体的に" in content, "再提出する" in content) == (True, True)


def test_new_application_in_closed_round_refused(client_of, organisation, applicant):
    closed = make_round(opens_at=timezone.now() - datetime.timedelta(days=9),
                        closes_at=timezone.now() - datetime.timedelta(days=1))
    response = client_of(applicant).post(reverse("applications:new", args=[closed.pk]),
                                         {"organisation": organisation.pk}, follow=True)
    assert ("公募を受け付けていません" in response.content.decode(), Application.objects.count()) == (True, 0)


def test_invitation_link_used_by_another_account_refused(client_of, organisation, applicant):
    client_of(applicant).post(reverse("applications:members", args=[organisation.pk]),
                              {"email": "colleague@city.example.jp"})
    invitation = organisation.invitations.get()
    someone_else = UserFactory(email="someone@else.example.jp")
    response = client_of(someone_else).post(reverse("applications:invitation", args=[invitation.token]))
    assert (response.status_code, Membership.objects.filter(user=someone_else).exists()) == (403, False)
