"""Every transition mail renders in Japanese with every variable it names, its page's URL and
Japanese dates; and the handlers are registered with the clock."""

from pathlib import Path

import pytest
from django.conf import settings

from labportal import clock
from labportal.services import render_mail

MAIL_DIR = Path(settings.BASE_DIR) / "templates" / "mail"
RECIPIENT = {"name": "会津 次郎", "organisation": "会津若松市", "email": "aizu@example.jp"}
REQUEST = {
    "programme_name": "地域DX推進ラボ", "request_id": 7, "lab_name": "会津若松市", "lab_round": "第1弾",
    "lab_selected_on": "2016-07-01", "prefecture": "福島県", "state": "作成中", "message": "KPIを具体的に。",
    "procedure": "計画変更手続きの提出のみ", "period_ends_on": "2029-03-31", "end_state": "廃止",
    "url": "http://127.0.0.1:8000/transition/requests/7/",
    "staff_url": "http://127.0.0.1:8000/transition/staff/requests/7/",
    "previous_state": "作成中", "moved_at": "2026-06-01T10:00:00+09:00",
}
LAB_LINE = {"name": "札幌市", "prefecture": "北海道", "state": "未着手", "organisation": ""}
SAMPLES = {
    "transition_submitted": REQUEST,
    "transition_submitted_staff": REQUEST,
    "transition_under_review": REQUEST,
    "transition_returned": REQUEST,
    "transition_approved": {**REQUEST, "dx_lab_url": "http://127.0.0.1:8000/labs/200/"},
    "transition_rejected": REQUEST,
    "transition_declined": REQUEST,
    "transition_declined_staff": REQUEST,
    "transition_expired": REQUEST,
    "transition_period_closed": {**REQUEST, "end_state_value": "abolished"},
    "transition_period_ended_staff": {
        "programme_name": "地域DX推進ラボ", "end_state": "廃止", "closes_at": "2029-04-01T00:00:00+09:00",
        "period_ends_on": "2029-03-31", "expired": [LAB_LINE], "closed": [LAB_LINE],
        "counts": [{"state": "移行期間終了", "n": 1}], "pending": 2,
        "url": "http://127.0.0.1:8000/transition/dashboard/"},
    "transition_reminder": {**REQUEST, "days_left": 30, "days_before": 30},
    "transition_reminder_staff": {
        "programme_name": "地域DX推進ラボ", "days_left": 30, "days_before": 30, "period_ends_on": "2029-03-31",
        "labs": [LAB_LINE], "unreachable": [LAB_LINE], "count": 1,
        "url": "http://127.0.0.1:8000/transition/dashboard/"},
    "transition_linked": {**REQUEST, "organisation_name": "会津若松市"},
    "transition_claim_received": {**REQUEST, "organisation_name": "会津若松市", "claim_message": "事務局です",
                                  "claimed_by": "会津 次郎",
                                  "admin_url": "http://127.0.0.1:8000/admin/transition/transitionclaim/1/change/"},
    "transition_claim_refused": {**REQUEST, "organisation_name": "会津若松市"},
}


def test_every_transition_template_has_a_sample():
    assert sorted(SAMPLES) == sorted(p.stem for p in MAIL_DIR.glob("transition_*.txt"))


@pytest.mark.parametrize("event", sorted(SAMPLES))
def test_transition_mail_uses_every_variable_it_names(event, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": "@@%s@@"}}]
    subject, body = render_mail(event, {**SAMPLES[event], "recipient": RECIPIENT})
    assert "@@" not in subject + body
    assert subject.startswith("【地域DX推進ラボ】") and "\n" not in subject
    assert body.splitlines()[:2] == ["会津若松市", "会津 次郎 様"]


@pytest.mark.parametrize("event", [e for e in sorted(SAMPLES) if "period_ends_on" in SAMPLES[e]
                                   and e not in ("transition_submitted", "transition_submitted_staff",
                                                 "transition_under_review", "transition_approved",
                                                 "transition_declined_staff", "transition_claim_received",
                                                 "transition_claim_refused")])
def test_transition_mail_gives_the_end_of_the_period_in_japanese(event):
    subject, body = render_mail(event, {**SAMPLES[event], "recipient": RECIPIENT})
    assert "2029年3月31日（土）" in subject + body


def test_reminder_says_how_many_days_are_left_and_the_page():
    subject, body = render_mail("transition_reminder", {**SAMPLES["transition_reminder"], "recipient": RECIPIENT})
    assert "2029年3月31日（土）（あと30日）" in body.splitlines()
    assert REQUEST["url"] in body.splitlines()


def test_transition_handlers_are_registered_with_the_clock():
    names = [name for name in clock.registered_handlers() if name.startswith("transition.")]
    assert names == ["transition.records", "transition.reminders", "transition.period_end"]
