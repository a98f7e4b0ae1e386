"""Every review mail renders with the context its service gives, naming every variable it uses."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from labportal.services import render_mail

JST = ZoneInfo("Asia/Tokyo")
DUE = datetime.datetime(2026, 2, 27, 17, 0, tzinfo=JST)
RECIPIENT = {"name": "審査 一郎", "organisation": "", "email": "reviewer1@example.go.jp"}
REVIEW = {"programme_name": "地域DX推進ラボ", "round_name": "地域DX推進ラボ 第1弾", "receipt_number": "DX-2026-01-0001",
          "lab_name": "札幌市地域DX推進ラボ", "due_at": DUE, "url": "http://127.0.0.1:8000/admin/review/assignedreview/1/change/"}
APPLICANT = {"programme_name": "地域DX推進ラボ", "round_name": "地域DX推進ラボ 第1弾", "receipt_number": "DX-2026-01-0001",
             "lab_name": "札幌市地域DX推進ラボ", "organisation_name": "札幌市", "url": "http://127.0.0.1:8000/applications/1/",
             "closes_at": "", "state": "審査中"}
HEARING = {**APPLICANT, "scheduled_at": DUE, "duration_minutes": 60, "format": "オンライン",
           "place": "https://meet.example.jp/abc", "message": "説明資料をご用意ください。"}
SAMPLES = {
    "review_assigned": {**REVIEW, "count": 2, "reviews": [REVIEW, REVIEW]},
    "review_reminder": {**REVIEW, "state": "下書き", "days_before": 3},
    "review_overdue": {**REVIEW, "count": 1, "reviews": [{**REVIEW, "reviewer_name": "審査 一郎", "state": "未着手"}]},
    "review_recused": {**REVIEW, "reviewer_name": "審査 一郎", "reason": "申請主体の委員を務めているため"},
    "review_reopened": {**REVIEW, "reason": "コメントを補足してください。"},
    "review_hearing_scheduled": HEARING,
    "review_hearing_changed": HEARING,
    "review_hearing_cancelled": HEARING,
    "review_decision_selected": {**APPLICANT, "message": "講評です。", "announced_at": DUE,
                                 "lab_url": "http://127.0.0.1:8000/labs/200/"},
    "review_decision_not_selected": {**APPLICANT, "message": "講評です。", "announced_at": DUE},
}


@pytest.fixture
def strict_templates(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": "@@%s@@"}}]


@pytest.mark.parametrize("event", sorted(SAMPLES))
def test_review_mail_uses_only_variables_it_is_given(event, strict_templates):
    subject, body = render_mail(event, {**SAMPLES[event], "recipient": RECIPIENT})
    assert "@@" not in subject + body


@pytest.mark.parametrize("event", sorted(SAMPLES))
def test_review_mail_subject_is_one_line_with_the_programme(event):
    subject, _ = render_mail(event, {**SAMPLES[event], "recipient": RECIPIENT})
    assert (subject.startswith("【地域DX推進ラボ】"), "\n" in subject) == (True, False)


def test_review_mail_dates_are_japanese():
    subject, _ = render_mail("review_reminder", {**SAMPLES["review_reminder"], "recipient": RECIPIENT})
    assert subject == "【地域DX推進ラボ】審査期限が近づいています（2026年2月27日（金）17:00まで）"
