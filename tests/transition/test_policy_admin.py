"""The policy in the admin: validated (end after start, a length outside 1–5 years confirmed),
reminder offsets as a list, a round of its own for the plans, history kept, one in force."""

import datetime

import pytest
from django.utils import timezone

from labportal.models import SelectionRound
from transition.forms import TransitionPolicyForm, parse_offsets
from transition.models import TransitionPolicy, TransitionRequest

from .conftest import iot_lab, jst, make_policy, request_of

pytestmark = pytest.mark.django_db


def _data(admin=False, **overrides):
    when = {"effective_from_0": "2026-04-01", "effective_from_1": "00:00"} if admin else {
        "effective_from": "2026-04-01 00:00"}
    data = {"name": "移行方針", **when,
            "has_transition_period": "on", "iot_call_stops_on": "2026-03-31", "dx_call_opens_on": "2026-04-01",
            "period_starts_on": "2026-04-01", "period_ends_on": "2029-03-31", "procedure": "plan_change",
            "end_state": "abolished", "reminder_offsets_days": "180, 90, 30, 7", "plan_round": "", "notes": ""}
    data.update(overrides)
    return data


def test_policy_form_accepts_three_years_without_confirmation():
    form = TransitionPolicyForm(_data())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["reminder_offsets_days"] == [180, 90, 30, 7]


def test_policy_form_refuses_an_end_before_the_start():
    form = TransitionPolicyForm(_data(period_ends_on="2026-03-01"))
    assert not form.is_valid()
    assert form.errors["period_ends_on"] == ["移行期間の終了日は開始日より後の日付にしてください。"]


@pytest.mark.parametrize("ends_on", ["2026-12-31", "2032-03-31", "2041-03-31"])
def test_policy_form_accepts_any_period_and_says_what_the_study_group_discussed(ends_on):
    form = TransitionPolicyForm(_data(period_ends_on=ends_on))
    assert form.is_valid(), form.errors
    assert "3~5年程度の移行期間が必要か" in form.fields["period_ends_on"].help_text
    assert "confirm_unusual_length" not in form.fields


def test_policy_form_five_years_exactly_is_usual():
    assert TransitionPolicyForm(_data(period_ends_on="2031-03-31")).is_valid()


def test_policy_offsets_accept_full_width_digits_and_japanese_commas():
    assert parse_offsets("１８０、９０，30 7") == [180, 90, 30, 7]
    assert parse_offsets("") == []


def test_policy_offsets_refuse_words():
    with pytest.raises(Exception, match="日数として読めません"):
        parse_offsets("180, 三十")


def test_policy_saved_in_the_admin_gets_a_plan_round_and_history(admin_client):
    response = admin_client.post("/admin/transition/transitionpolicy/add/", _data(admin=True))
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy = TransitionPolicy.objects.get()
    assert policy.plan_round.programme.code == "dx"
    assert policy.plan_round.state == SelectionRound.State.REVIEWING
    assert policy.plan_round.opens_at is None  # never accepts ordinary applications
    assert policy.history.count() == 1
    assert policy.created_by.is_superuser


def test_policy_admin_pages_render(admin_client):
    make_policy()
    for url in ("/admin/transition/transitionpolicy/", "/admin/transition/transitionpolicy/add/",
                "/admin/transition/transitionrequest/", "/admin/transition/transitionclaim/",
                f"/admin/transition/transitionrequest/{request_of(iot_lab()).pk}/change/"):
        assert (url, admin_client.get(url).status_code) == (url, 200)


def test_policy_in_force_is_the_latest_started(db):
    old = make_policy(effective_from=jst(2025, 1, 1), name="旧")
    new = make_policy(effective_from=jst(2026, 1, 1), name="新")
    future = make_policy(effective_from=timezone.now() + datetime.timedelta(days=30), name="未来")
    assert TransitionPolicy.objects.in_force(jst(2025, 6, 1)) == old
    assert TransitionPolicy.objects.in_force() == new
    assert TransitionPolicy.objects.in_force(timezone.now() + datetime.timedelta(days=31)) == future


def test_request_admin_cannot_add_or_delete_records(admin_client):
    assert admin_client.get("/admin/transition/transitionrequest/add/").status_code == 403
    transition_request = TransitionRequest.objects.first()
    assert admin_client.get(f"/admin/transition/transitionrequest/{transition_request.pk}/delete/").status_code == 403
