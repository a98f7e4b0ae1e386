"""Every mail template renders in Japanese with its parts; the Japanese date filters."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.template import engines

from labportal.services import render_mail
from labportal.templatetags.jp_dates import fiscal_year, jp_date, jp_datetime, jp_remaining

JST = ZoneInfo("Asia/Tokyo")
MAIL_DIR = Path(settings.BASE_DIR) / "templates" / "mail"
RECIPIENT = {"name": "札幌 太郎", "organisation": "札幌市", "email": "sapporo@example.jp"}
ROUND = {
    "round_id": 2, "round_name": "地域DX推進ラボ 第2弾", "round_label": "第2弾",
    "programme_name": "地域DX推進ラボ",
    "opens_at": datetime.datetime(2026, 4, 1, 10, 0, tzinfo=JST),
    "closes_at": datetime.datetime(2026, 4, 30, 17, 0, tzinfo=JST),
    "url": "http://127.0.0.1:8000/admin/labportal/selectionround/2/change/",
}
# One sample context per event; a template of another app renders with its own keys missing,
# which must not break it (every template is rendered, not only ours).
SAMPLES = {
    "round_opened": {**ROUND, "reminder_days": [7, 1]},
    "round_closed": {**ROUND, "application_count": 12},
    "round_closing_reminder": {**ROUND, "days_before": 7, "url": "http://127.0.0.1:8000/"},
}
OURS = sorted(SAMPLES)
EVERY_TEMPLATE = sorted(p.stem for p in MAIL_DIR.glob("*.txt") if p.stem != "base")


def _render(event):
    return render_mail(event, {**ROUND, **SAMPLES.get(event, {}), "recipient": RECIPIENT})


def test_every_mail_template_has_a_sample_of_ours_or_renders_without_one():
    assert set(OURS) <= set(EVERY_TEMPLATE)


@pytest.mark.parametrize("event", EVERY_TEMPLATE)
def test_mail_template_renders_subject_greeting_and_footer(event):
    subject, body = _render(event)
    lines = body.splitlines()
    assert (subject.startswith("【"), "\n" in subject, lines[:2], settings.SECRETARIAT_NAME in lines,
            f"{settings.SITE_URL}/" in lines) == (True, False, ["札幌市", "札幌 太郎 様"], True, True)


@pytest.mark.parametrize("event", OURS)
def test_our_mail_templates_use_every_variable_they_name(event, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0],
                           "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": "@@%s@@"}}]
    subject, body = _render(event)
    assert "@@" not in subject + body


@pytest.mark.parametrize("event", OURS)
def test_our_mail_templates_give_the_url_and_japanese_dates(event):
    subject, body = _render(event)
    assert (SAMPLES[event]["url"] in body.splitlines(), "2026年4月30日（木）17:00" in subject + body) == (
        True, True)


def test_mail_template_is_plain_text_never_html_escaped():
    subject, body = render_mail("round_closed", {**SAMPLES["round_closed"], "round_name": "A&B <ラボ>",
                                                  "recipient": RECIPIENT})
    assert "A&B <ラボ>" in body


@time_machine.travel(datetime.datetime(2026, 4, 23, 17, 0, tzinfo=JST), tick=False)
def test_reminder_says_how_long_is_left():
    subject, body = _render("round_closing_reminder")
    assert "2026年4月30日（木）17:00（あと7日）" in body.splitlines()


def test_closing_mail_names_the_number_of_applications():
    subject, body = _render("round_closed")
    assert (subject, "■受け付けた申請：12件" in body.splitlines()) == (
        "【地域DX推進ラボ】第2弾の公募を締め切りました（申請12件）", True)


# --- jp_dates -----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (datetime.datetime(2026, 4, 1, 8, 0, tzinfo=datetime.UTC), "2026年4月1日（水）17:00"),
    (datetime.datetime(2026, 3, 31, 15, 30, tzinfo=datetime.UTC), "2026年4月1日（水）0:30"),
    (datetime.datetime(2026, 4, 1, 17, 0), "2026年4月1日（水）17:00"),  # naive: Japanese time
    ("2026-04-01T08:00:00+00:00", "2026年4月1日（水）17:00"),  # as stored in a mail's context
    (datetime.date(2026, 4, 1), "2026年4月1日（水）"),
    (None, ""),
    ("", ""),
])
def test_jp_datetime(value, expected):
    assert jp_datetime(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (datetime.date(2026, 4, 5), "2026年4月5日（日）"),
    (datetime.datetime(2026, 12, 31, 15, 0, tzinfo=datetime.UTC), "2027年1月1日（金）"),
    ("2026-02-28", "2026年2月28日（土）"),
])
def test_jp_date(value, expected):
    assert jp_date(value) == expected


@pytest.mark.parametrize(("value", "style", "expected"), [
    (datetime.date(2026, 4, 1), "", "令和8年度"),
    (datetime.date(2026, 3, 31), "", "令和7年度"),
    (datetime.date(2027, 3, 31), "western", "2026年度"),
    (datetime.date(2026, 4, 1), "both", "令和8年度（2026年度）"),
    (datetime.date(2019, 4, 1), "", "令和元年度"),
    (datetime.date(2019, 3, 31), "", "平成30年度"),
    (datetime.date(2016, 6, 1), "", "平成28年度"),
    (datetime.date(1989, 4, 1), "", "平成元年度"),
    (datetime.date(1989, 3, 31), "", "昭和63年度"),
    # 1 April 00:30 in Tokyo is still 31 March in UTC: the Japanese date decides.
    (datetime.datetime(2026, 3, 31, 15, 30, tzinfo=datetime.UTC), "", "令和8年度"),
    (2022, "", "令和4年度"),
    (None, "", ""),
])
def test_fiscal_year(value, style, expected):
    assert fiscal_year(value, style) == expected


@pytest.mark.parametrize(("closes_at", "expected"), [
    (datetime.datetime(2026, 4, 8, 9, 2, tzinfo=JST), "あと7日"),
    (datetime.datetime(2026, 4, 2, 8, 30, tzinfo=JST), "あと1日"),
    (datetime.datetime(2026, 4, 1, 14, 0, tzinfo=JST), "あと5時間"),
    (datetime.datetime(2026, 4, 1, 9, 30, tzinfo=JST), "あと30分"),
    (datetime.datetime(2026, 4, 1, 8, 0, tzinfo=JST), "期限を過ぎています"),
])
@time_machine.travel(datetime.datetime(2026, 4, 1, 9, 0, tzinfo=JST), tick=False)
def test_jp_remaining(closes_at, expected):
    assert jp_remaining(closes_at) == expected


def test_jp_dates_filters_work_in_templates():
    template = engines["django"].from_string(
        "{% load jp_dates %}{{ d|jp_datetime }} {{ d|jp_date }} {{ d|fiscal_year }} {{ d|fiscal_year:'western' }}")
    rendered = template.render({"d": datetime.datetime(2026, 4, 1, 8, 0, tzinfo=datetime.UTC)})
    assert rendered == "2026年4月1日（水）17:00 2026年4月1日（水） 令和8年度 2026年度"
