"""Property-based tests of the transition's forms, through the real pages: the organisation's
statement of changes, its decline and its claim of a lab; the staff's decision and the policy in
the admin. Whatever is typed: never a crash; a refusal is on the field concerned, in Japanese,
with everything typed shown again; what is accepted is stored without invisible characters."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from labportal import normalise
from transition.models import TransitionClaim, TransitionPolicy, TransitionRequest

from ..hostile_input import (
    assert_kept,
    assert_never_raw_markup,
    assert_refusals_on_fields_in_japanese,
    hostile_date,
    hostile_text,
    rolled_back,
    with_authenticator,
)
from .conftest import iot_lab, request_of

pytestmark = pytest.mark.django_db

State = TransitionRequest.State


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@given(text=st.one_of(hostile_text, st.just("あ" * 20_001)))
def test_statement_any_text_refused_in_japanese_or_stored_visible(member_client, drafted, text):
    with rolled_back():
        drafted.refresh_from_db()
        response = member_client.post(f"/transition/requests/{drafted.pk}/statement/",
                                      {"changes_statement": text, "version": drafted.statement_version})
        if response.status_code == 400:
            assert_refusals_on_fields_in_japanese(response.context["form"], {"changes_statement"})
            assert_kept(response.content.decode(), [normalise.visible(text)])
        else:
            drafted.refresh_from_db()
            assert (response.status_code, drafted.changes_statement) == (302, normalise.visible(text).strip())
            page = member_client.get(f"/transition/requests/{drafted.pk}/").content.decode()
            assert_never_raw_markup(page)


@given(message=st.one_of(hostile_text, st.just("あ" * 2_001)))
def test_decline_reason_refused_in_japanese_and_kept_never_dropped(member_client, transition_request, message):
    with rolled_back():
        response = member_client.post(f"/transition/requests/{transition_request.pk}/decline/",
                                      {"message": message})
        transition_request.refresh_from_db()
        if response.status_code == 400:
            assert_refusals_on_fields_in_japanese(response.context["decline_form"], {"message"})
            assert_kept(response.content.decode(), [normalise.visible(message)])
            assert transition_request.state != State.DECLINED
        else:
            assert (response.status_code, transition_request.state) == (302, State.DECLINED)


@given(message=st.one_of(st.just("当課がラボの事務局です。"), hostile_text), lab=st.one_of(st.just(None), hostile_text))
def test_claim_any_input_refused_on_its_field_in_japanese_or_recorded(member_client, transition_request,
                                                                      organisation, message, lab):
    sendai = request_of(iot_lab("仙台市"))
    with rolled_back():
        response = member_client.post("/transition/", {
            "request": sendai.pk if lab is None else lab, "organisation": organisation.pk, "message": message})
        if response.status_code == 200:
            form = response.context["claim_form"]
            assert form.errors
            assert_refusals_on_fields_in_japanese(form, {"message", "request"})
            assert_kept(response.content.decode(), [normalise.visible(message)])
        else:
            claim = TransitionClaim.objects.get()
            assert (response.status_code, claim.message) == (302, normalise.visible(message).strip())


@given(to_state=st.one_of(st.sampled_from([State.APPROVED, State.RETURNED, State.REJECTED]), hostile_text),
       message=st.one_of(hostile_text, st.just("あ" * 5_001)))
def test_staff_decision_any_input_refused_on_its_field_in_japanese_or_decided(client, submitted, staff, to_state,
                                                                              message):
    client.force_login(with_authenticator(staff))
    with rolled_back():
        response = client.post(f"/transition/staff/requests/{submitted.pk}/",
                               {"decide": "1", "to_state": to_state, "message": message})
        if response.status_code == 400:
            form = response.context["form"]
            assert_refusals_on_fields_in_japanese(form, {"to_state", "message"})
            assert_kept(response.content.decode(), [normalise.visible(message)])
        else:
            submitted.refresh_from_db()
            assert (response.status_code, submitted.state) == (302, to_state)


@given(name=st.one_of(st.just("移行方針（改定）"), hostile_text), starts=hostile_date, ends=hostile_date,
       offsets=st.one_of(st.just("180, 90, 30, 7"), hostile_text), notes=hostile_text)
def test_policy_admin_any_input_refused_on_its_field_in_japanese_or_saved(client, staff, policy, name, starts, ends,
                                                                          offsets, notes):
    client.force_login(with_authenticator(staff))
    with rolled_back():
        before = TransitionPolicy.objects.count()
        # A new version of the policy in force: from tomorrow, with the reason for the change.
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = client.post("/admin/transition/transitionpolicy/add/", {
            "name": name, "effective_from_0": f"{tomorrow:%Y-%m-%d}", "effective_from_1": "00:00",
            "change_reason": "方針の改定",
            "has_transition_period": "on", "period_starts_on": starts, "period_ends_on": ends,
            "procedure": "plan_change", "end_state": "abolished", "reminder_offsets_days": offsets,
            "notes": notes})
        if response.status_code == 200:
            form = response.context["adminform"].form
            assert form.errors
            assert_refusals_on_fields_in_japanese(form, {"name", "period_starts_on", "period_ends_on",
                                                         "reminder_offsets_days", "notes"})
            assert_kept(response.content.decode(), [normalise.visible(v) for v in (name, notes)])
        else:
            saved = TransitionPolicy.objects.order_by("-pk").first()
            assert (response.status_code, TransitionPolicy.objects.count(), saved.notes) == (
                302, before + 1, normalise.visible(notes).strip())
