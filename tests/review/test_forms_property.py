"""Property-based tests of the review's forms and the staff's admin forms, through the admin as
the reviewer or staff member: the score form, the recusal, decisions, hearings, the ranking's
bulk decision, announcement, automatic assignment and the return of an application for revision
(差し戻し). Whatever is typed: never a crash; a refusal is on the field concerned, in Japanese,
with everything typed shown again; what is accepted is stored without invisible characters."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from labportal import normalise
from applications.models import Application
from review.models import Decision, Hearing

from ..hostile_input import (
    assert_kept,
    assert_never_raw_markup,
    assert_refusals_on_fields_in_japanese,
    hostile_date,
    hostile_number,
    hostile_text,
    rolled_back,
    with_authenticator,
)
from tests.factories import (
    ReviewerFactory,
    StaffFactory,
    assign,
    criteria,
    make_application,
    make_review_round,
)

pytestmark = pytest.mark.django_db

TIMES = st.one_of(st.sampled_from(["10:00", "25:61", "１０：００", "", "午前10時"]), hostile_text)


@pytest.fixture
def reviewing_round(db):
    return make_review_round()


@pytest.fixture
def staff_client(client):
    client.force_login(with_authenticator(StaffFactory()))
    return client


def _admin_form(response):
    return response.context["adminform"].form


@given(data=st.data())
def test_score_form_any_input_refused_on_its_field_in_japanese_or_saved(client, reviewing_round, data):
    reviewer = with_authenticator(ReviewerFactory())
    client.force_login(reviewer)
    review = assign(make_application(reviewing_round), reviewer)
    with rolled_back():
        posted = {"overall_comment": data.draw(hostile_text, "overall_comment"),
                  "recommendation": data.draw(st.one_of(st.just("recommend"), hostile_text), "recommendation"),
                  "_save": "1"}
        for criterion in criteria(reviewing_round):
            posted[f"score_{criterion.pk}"] = data.draw(st.one_of(st.just(""), hostile_number))
            posted[f"comment_{criterion.pk}"] = data.draw(hostile_text)
        response = client.post(reverse("admin:review_assignedreview_change", args=[review.pk]), posted)
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            form = response.context["form"]
            assert_refusals_on_fields_in_japanese(form, set(posted) - {"_save"})
            assert_kept(response.content.decode(), [normalise.visible(v) for k, v in posted.items()
                                                    if k.startswith(("comment_", "overall_"))])
        else:
            review.refresh_from_db()
            assert review.overall_comment == normalise.visible(posted["overall_comment"]).strip()
            page = client.get(reverse("admin:review_assignedreview_change", args=[review.pk]))
            assert_never_raw_markup(page.content.decode())


@given(reason=st.one_of(hostile_text, st.just("あ" * 2_001)))
def test_recusal_reason_any_input_refused_in_japanese_or_recorded(client, reviewing_round, reason):
    reviewer = with_authenticator(ReviewerFactory())
    client.force_login(reviewer)
    review = assign(make_application(reviewing_round), reviewer)
    with rolled_back():
        response = client.post(reverse("admin:review_assignedreview_change", args=[review.pk]),
                               {"_recuse": "1", "recuse-reason": reason})
        if response.status_code == 400:
            assert_refusals_on_fields_in_japanese(response.context["recuse_form"], {"reason"})
            assert response.context["recuse_form"].errors
        else:
            review.refresh_from_db()
            assert (response.status_code, review.recusal_reason) == (302, normalise.visible(reason).strip())


@given(outcome=st.one_of(st.just("selected"), hostile_text), reason=st.one_of(st.just("総合評価が高い"), hostile_text),
       message=hostile_text)
def test_decision_admin_any_input_refused_on_its_field_in_japanese_or_recorded(staff_client, reviewing_round,
                                                                               outcome, reason, message):
    application = make_application(reviewing_round)
    with rolled_back():
        posted = {"application": application.pk, "outcome": outcome, "reason": reason,
                  "message_to_applicant": message}
        response = staff_client.post(reverse("admin:review_decision_add"), posted)
        if response.status_code == 200:
            form = _admin_form(response)
            assert form.errors
            assert_refusals_on_fields_in_japanese(form, {"outcome", "reason", "message_to_applicant"})
            assert_kept(response.content.decode(), [normalise.visible(reason), normalise.visible(message)])
        else:
            decision = Decision.objects.get(application=application)
            assert (response.status_code, decision.message_to_applicant) == (
                302, normalise.visible(message).strip())


@given(day=hostile_date, time=TIMES, minutes=st.one_of(st.just("60"), hostile_number),
       place=st.one_of(st.just("オンライン（Teams）"), hostile_text), message=hostile_text, notes=hostile_text)
def test_hearing_admin_any_input_refused_on_its_field_in_japanese_or_scheduled(staff_client, reviewing_round, day,
                                                                               time, minutes, place, message,
                                                                               notes):
    application = make_application(reviewing_round)
    with rolled_back():
        posted = {"application": application.pk, "scheduled_at_0": day, "scheduled_at_1": time,
                  "duration_minutes": minutes, "format": "online", "place": place, "message": message,
                  "notes": notes}
        response = staff_client.post(reverse("admin:review_hearing_add"), posted)
        if response.status_code == 200:
            form = _admin_form(response)
            assert form.errors
            assert_refusals_on_fields_in_japanese(form, {"scheduled_at", "duration_minutes", "place", "message",
                                                         "notes"})
            assert_kept(response.content.decode(), [normalise.visible(v) for v in (place, message, notes)])
        else:
            hearing = Hearing.objects.get(application=application)
            assert (response.status_code, 2000 <= hearing.scheduled_at.year <= 2100, hearing.notes) == (
                302, True, normalise.visible(notes).strip())
            assert_never_raw_markup(staff_client.get(reverse("admin:review_hearing_change", args=[hearing.pk]))
                                    .content.decode())


def _settings_url(name, selection_round):
    return reverse(f"admin:review_roundreviewsettings_{name}", args=[selection_round.review_settings.pk])


@given(day=hostile_date)
def test_announce_date_any_input_refused_on_its_field_in_japanese(staff_client, reviewing_round, day):
    with rolled_back():
        response = staff_client.post(_settings_url("announce", reviewing_round), {"announced_on": day})
        # Without the confirmation nothing is announced: the form always comes back.
        form = response.context["form"]
        assert (response.status_code, "confirm" in form.errors) == (200, True)
        assert_refusals_on_fields_in_japanese(form, {"announced_on", "confirm"})


@given(per_application=hostile_number, day=hostile_date, time=TIMES)
def test_auto_assign_any_input_refused_on_its_field_in_japanese(staff_client, reviewing_round, per_application,
                                                                day, time):
    with rolled_back():
        response = staff_client.post(_settings_url("auto_assign", reviewing_round), {
            "per_application": per_application, "due_at_0": day, "due_at_1": time})
        if response.status_code == 200 and response.context.get("form") is not None:
            assert_refusals_on_fields_in_japanese(response.context["form"], {"per_application", "due_at"})
        else:
            assert response.status_code == 302


@given(reason=hostile_text, message=hostile_text)
def test_ranking_bulk_decision_any_text_refused_in_japanese_or_recorded(staff_client, reviewing_round, reason,
                                                                        message):
    application = make_application(reviewing_round)
    with rolled_back():
        response = staff_client.post(_settings_url("ranking", reviewing_round), {
            "applications": [application.pk], "outcome": "not_selected", "reason": reason,
            "message_to_applicant": message})
        if response.status_code == 302:
            assert Decision.objects.get(application=application).reason == normalise.visible(reason).strip()
        else:
            form = response.context["form"]
            assert form.errors
            assert_refusals_on_fields_in_japanese(form, {"reason", "message_to_applicant"})
            assert_kept(response.content.decode(), [normalise.visible(message)])


@given(message=st.one_of(st.just("KPIの根拠を追記してください。"), hostile_text), day=hostile_date, time=TIMES)
def test_return_for_revision_any_input_refused_on_its_field_in_japanese_or_returned(staff_client, reviewing_round,
                                                                                    message, day, time):
    application = make_application(reviewing_round, state=Application.State.SUBMITTED)
    with rolled_back():
        response = staff_client.post(reverse("admin:applications_application_return", args=[application.pk]),
                                     {"message": message, "due_at": f"{day}T{time}"})
        if response.status_code == 200:
            form = response.context["form"]
            assert form.errors
            assert_refusals_on_fields_in_japanese(form, {"message", "due_at"})
            assert_kept(response.content.decode(), [normalise.visible(message)])
        else:
            application.refresh_from_db()
            assert (response.status_code, application.state) == (302, Application.State.RETURNED)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_hearing_in_year_1_or_9999_refused_on_the_date_in_japanese(staff_client, reviewing_round, day):
    application = make_application(reviewing_round)
    response = staff_client.post(reverse("admin:review_hearing_add"), {
        "application": application.pk, "scheduled_at_0": day, "scheduled_at_1": "10:00", "duration_minutes": "60",
        "format": "online", "place": "オンライン", "message": "", "notes": ""})
    assert (response.status_code, _admin_form(response).errors.get("scheduled_at"), Hearing.objects.count()) == (
        200, ["日付は2000年から2100年までの範囲で入力してください（例: 2026-04-01）。"], 0)
