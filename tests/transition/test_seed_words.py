"""Issue 16, items 6–8: moving is for the IoT labs that wish it (「希望地域は計画変更によりDXラボへ
移行」), a plan change is received, not judged, and the period's length is the staff's to set."""

import pytest
import time_machine
from django.urls import reverse

from labportal import clock
from labportal.models import Lab, OutboxMail
from transition import services
from transition.models import TransitionRequest

from .conftest import iot_lab, jst, request_of
from .test_deadlines import END, linked, period, staff  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
State = TransitionRequest.State


def test_plan_change_cannot_be_refused_only_received(submitted, staff):  # noqa: F811
    assert set(services.allowed_moves(submitted, services.Actor.STAFF)) == {State.APPROVED, State.RETURNED}
    with pytest.raises(services.TransitionNotAllowed):
        services.request_decide(transition_request=submitted, to_state=State.REJECTED, by=staff, message="不可")


def test_plan_change_mails_speak_of_receipt_never_of_a_review_result(submitted, staff):  # noqa: F811
    submitted_mail = OutboxMail.objects.get(event="transition_submitted")
    assert "審査の結果" not in submitted_mail.body
    assert "審査はありません" in submitted_mail.body
    services.request_decide(transition_request=submitted, to_state=State.APPROVED, by=staff)
    approved = OutboxMail.objects.get(event="transition_approved")
    assert "受理" in approved.body and "審査" not in approved.body


def test_reselection_review_state_is_named_for_what_it_is():
    assert State.UNDER_REVIEW.label == "再選定の審査中"


def test_after_the_period_a_lab_that_did_not_move_is_in_the_end_state_not_overdue(linked):  # noqa: F811
    monkey_handlers = {name: h for name, h in clock.registered_handlers().items() if name.startswith("transition.")}
    original = clock._handlers
    clock._handlers = monkey_handlers
    try:
        now = jst(2027, 4, 1, 9)
        with time_machine.travel(now, tick=False):
            clock.sweep(now=now)
    finally:
        clock._handlers = original
    transition_request = request_of(iot_lab())
    assert transition_request.get_state_display() == "移行期間終了"
    assert iot_lab().status == Lab.Status.ABOLISHED
    for mail in OutboxMail.objects.filter(event__in=["transition_expired", "transition_period_ended_staff"]):
        assert "期限切れ" not in mail.subject + mail.body


def test_dashboard_never_says_every_lab_must_move(staff, client, period):  # noqa: F811
    client.force_login(staff)
    page = client.get(reverse("transition:dashboard")).content.decode()
    assert "すべてのラボが移行するには" not in page
    assert "希望するラボが計画変更により行います" in page
