"""The one door of a request's state: the table per actor, the procedure, the period, and what
each move brings (the plan's application, the register, the mail)."""

import datetime

import pytest
from django.utils import timezone

from applications.models import Application
from labportal.models import Lab, OutboxMail
from transition import services
from transition.models import TransitionEvent, TransitionPolicy, TransitionRequest

from .conftest import iot_lab, make_policy, request_of

pytestmark = pytest.mark.django_db
State = TransitionRequest.State
Actor = TransitionEvent.Actor


def test_allowed_transitions_table_refuses_an_organisation_approving_itself(submitted, member):
    with pytest.raises(services.TransitionNotAllowed):
        services.request_transition(transition_request=submitted, to_state=State.APPROVED, actor=Actor.ORGANISATION,
                                    user=member)
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_allowed_transitions_table_refuses_staff_starting_a_plan(transition_request, staff):
    with pytest.raises(services.TransitionNotAllowed):
        services.request_decide(transition_request=transition_request, to_state=State.DRAFT, by=staff)


def test_allowed_transitions_every_listed_move_is_a_real_state():
    states = set(State.values)
    for actor, table in services.ALLOWED_TRANSITIONS.items():
        assert actor in Actor.values
        for from_state, targets in table.items():
            assert from_state in states and set(targets) <= states


def test_start_creates_the_plan_prefilled_from_the_register(transition_request, member, organisation):
    transition_request = services.request_start(transition_request=transition_request, user=member)
    application = transition_request.application
    assert transition_request.state == State.DRAFT
    assert application.organisation == organisation
    assert application.state == Application.State.DRAFT
    assert application.selection_round.programme.code == "dx"
    assert application.basic.lab_name == "会津若松市地域DX推進ラボ"
    assert list(application.basic.regions.all()) == [iot_lab().region]
    assert application.basic.contact_email == member.email
    assert application.basic.contact_phone == "000-0000-0001"


def test_start_refused_for_a_lab_without_organisation(policy, member):
    other = request_of(iot_lab("札幌市"))
    with pytest.raises(services.TransitionNotAllowed):
        services.request_start(transition_request=other, user=member)


def test_start_refused_outside_the_period(transition_request, member):
    make_policy(starts_on=timezone.localdate() + datetime.timedelta(days=10),
                ends_on=timezone.localdate() + datetime.timedelta(days=800), effective_from=timezone.now())
    with pytest.raises(services.TransitionNotAllowed, match="移行期間ではない"):
        services.request_start(transition_request=transition_request, user=member)


def test_submit_refused_while_the_plan_is_incomplete(transition_request, member):
    transition_request = services.request_start(transition_request=transition_request, user=member)
    with pytest.raises(services.TransitionError, match="未入力の必須項目"):
        services.request_submit(transition_request=transition_request, user=member)


def test_submit_refused_without_the_statement_of_changes(drafted, member):
    TransitionRequest.objects.filter(pk=drafted.pk).update(changes_statement="  ")
    drafted.refresh_from_db()
    with pytest.raises(services.TransitionNotAllowed, match="変更点"):
        services.request_submit(transition_request=drafted, user=member)


def test_submit_moves_the_plan_and_the_lab_and_records_the_procedure(submitted, policy):
    lab = submitted.lab
    lab.refresh_from_db()
    submitted.application.refresh_from_db()
    assert submitted.state == State.SUBMITTED
    assert submitted.procedure == TransitionPolicy.Procedure.PLAN_CHANGE
    assert submitted.policy == policy
    assert submitted.application.state == Application.State.SUBMITTED
    assert submitted.application.receipt_number == f"DXT-{lab.pk:04d}"
    assert submitted.application.versions.count() == 1
    assert lab.status == Lab.Status.TRANSITIONING


def test_submit_twice_submits_once_and_mails_once(drafted, member):
    services.request_submit(transition_request=drafted, user=member)
    services.request_submit(transition_request=drafted, user=member)
    assert TransitionEvent.objects.filter(request=drafted, to_state=State.SUBMITTED).count() == 1
    assert OutboxMail.objects.filter(event="transition_submitted").count() == 1


def test_submit_mails_the_organisation_and_staff(submitted, member, staff):
    assert list(OutboxMail.objects.filter(event="transition_submitted").values_list("recipients", flat=True)) \
        == [[member.email]]
    assert list(OutboxMail.objects.filter(event="transition_submitted_staff").values_list("recipients", flat=True)) \
        == [[staff.email]]


def test_approve_plan_change_creates_the_dx_lab_with_its_lineage(submitted, staff):
    services.request_decide(transition_request=submitted, to_state=State.APPROVED, by=staff, message="承認します。")
    iot = iot_lab()
    dx = Lab.objects.get(predecessor=iot)
    assert iot.status == Lab.Status.MOVED
    assert (iot.selection_round.number, iot.selected_on) == (1, datetime.date(2016, 7, 1))
    assert (dx.programme.code, dx.name, dx.region_id, dx.status) == (
        "dx", "会津若松市地域DX推進ラボ", iot.region_id, "active")
    # issue 16: no DX 第n弾 of its own; the move's date on both labs
    assert dx.selection_round is None
    assert dx.transitioned_on == iot.transitioned_on == timezone.localdate()
    assert dx.implementing_body == "会津若松市DX推進協議会"
    submitted.application.refresh_from_db()
    assert submitted.application.state == Application.State.SELECTED


def test_approve_twice_creates_one_dx_lab_and_one_mail(submitted, staff):
    services.request_decide(transition_request=submitted, to_state=State.APPROVED, by=staff)
    services.request_decide(transition_request=submitted, to_state=State.APPROVED, by=staff)
    assert Lab.objects.filter(predecessor=iot_lab()).count() == 1
    assert OutboxMail.objects.filter(event="transition_approved").count() == 1


def test_approve_rolled_back_as_a_whole_when_the_register_refuses(submitted, staff):
    iot = iot_lab()
    Lab.objects.create(name="会津若松市地域DX推進ラボ", region=iot.region,
                       programme=submitted.application.selection_round.programme,
                       selection_round=submitted.application.selection_round)
    with pytest.raises(services.TransitionNotAllowed, match="同じ地域・名称"):
        services.request_decide(transition_request=submitted, to_state=State.APPROVED, by=staff)
    submitted.refresh_from_db()
    iot.refresh_from_db()
    assert (submitted.state, iot.status) == (State.SUBMITTED, Lab.Status.TRANSITIONING)
    assert not OutboxMail.objects.filter(event="transition_approved").exists()


def test_plan_change_cannot_be_sent_to_review(submitted, staff):
    with pytest.raises(services.TransitionNotAllowed, match="計画変更手続きの提出のみ"):
        services.request_decide(transition_request=submitted, to_state=State.UNDER_REVIEW, by=staff)


def test_return_needs_a_message_and_reopens_editing(submitted, staff, member):
    with pytest.raises(services.TransitionNotAllowed, match="理由"):
        services.request_decide(transition_request=submitted, to_state=State.RETURNED, by=staff)
    transition_request = services.request_decide(transition_request=submitted, to_state=State.RETURNED, by=staff,
                                      message="KPIを具体的にしてください。")
    assert transition_request.state == State.RETURNED
    assert services.edit_block_reason(transition_request) == ""
    again = services.request_submit(transition_request=transition_request, user=member)
    assert again.state == State.SUBMITTED
    assert again.application.versions.count() == 2
    assert OutboxMail.objects.filter(event="transition_submitted").count() == 2


def test_plan_change_is_received_never_refused(submitted, staff):
    # issue 16: 計画変更手続きの提出のみ has no review, so no 不承認 (test_reselection covers a refusal)
    with pytest.raises(services.TransitionNotAllowed, match="計画変更手続きの提出のみ"):
        services.request_decide(transition_request=submitted, to_state=State.REJECTED, by=staff, message="要件を満たしません。")
    assert iot_lab().status == Lab.Status.TRANSITIONING


def test_decline_and_reconsider_within_the_period(transition_request, member):
    declined = services.request_decline(transition_request=transition_request, user=member, message="独自に継続します。")
    assert declined.state == State.DECLINED
    assert OutboxMail.objects.filter(event="transition_declined").count() == 1
    restarted = services.request_start(transition_request=declined, user=member)
    assert restarted.state == State.DRAFT


def test_statement_save_refuses_a_stale_version(drafted, member):
    services.request_save_statement(transition_request=drafted, text="一つ目", expected_version=0, user=member)
    with pytest.raises(services.TransitionError, match="別の画面"):
        services.request_save_statement(transition_request=drafted, text="二つ目", expected_version=0, user=member)
    drafted.refresh_from_db()
    assert drafted.changes_statement == "一つ目"


def test_policy_change_mid_period_applies_to_later_submissions_only(drafted, member, staff, organisation):
    first = services.request_submit(transition_request=drafted, user=member)
    services.request_decide(transition_request=first, to_state=State.APPROVED, by=staff)
    make_policy(procedure=TransitionPolicy.Procedure.RESELECTION, end_state=TransitionPolicy.EndState.COEXIST,
                effective_from=timezone.now(), name="移行方針（変更後）")
    first.refresh_from_db()
    assert (first.state, first.procedure) == (State.APPROVED, TransitionPolicy.Procedure.PLAN_CHANGE)
    from .conftest import fill_plan

    other = services.request_link_organisation(transition_request=request_of(iot_lab("仙台市")), organisation=organisation,
                                               by=staff)
    other = fill_plan(services.request_start(transition_request=other, user=member))
    later = services.request_submit(transition_request=other, user=member)
    assert later.procedure == TransitionPolicy.Procedure.RESELECTION
    with pytest.raises(services.TransitionNotAllowed):
        services.request_decide(transition_request=later, to_state=State.APPROVED, by=staff)


def test_a_plan_withdrawn_on_the_applications_pages_blocks_the_decision(submitted, staff, member):
    from applications.services import application_withdraw

    application_withdraw(application_id=submitted.application_id, user=member, reason="誤操作")
    with pytest.raises(services.TransitionNotAllowed, match="取り下げられています"):
        services.request_decide(transition_request=submitted, to_state=State.APPROVED, by=staff)
    assert not Lab.objects.filter(predecessor=iot_lab()).exists()
