"""Dates the Japanese way, for pages and mails: `{% load jp_dates %}`.

    {{ value|jp_datetime }}   2026年4月1日（水）17:00   (in Asia/Tokyo, whatever the server's zone)
    {{ value|jp_date }}       2026年4月1日（水）
    {{ value|fiscal_year }}   令和8年度   (the Japanese fiscal year starts on 1 April)
    {{ value|fiscal_year:"western" }}  2026年度;  {{ value|fiscal_year:"both" }}  令和8年度（2026年度）
    {{ value|jp_remaining }}  あと7日 / あと5時間 / あと30分 (from now until value)

Values may be dates, datetimes (aware ones are converted to Asia/Tokyo, naive ones are taken as
Japanese time) or ISO strings (as stored in a mail's JSON context); None and "" give "".
The same functions are importable for Python code.
"""

import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

register = template.Library()

JST = ZoneInfo("Asia/Tokyo")
WEEKDAYS = "月火水木金土日"
# (first day, name): an era's year 1 is 元年. A fiscal year takes the latest era begun by the end
# of the calendar year it starts in: April 2019 - March 2020 is 令和元年度, as the government writes.
ERAS = [
    (datetime.date(2019, 5, 1), "令和"),
    (datetime.date(1989, 1, 8), "平成"),
    (datetime.date(1926, 12, 25), "昭和"),
]


def _as_date_or_datetime(value):
    if isinstance(value, str):
        value = value.strip()
        parsed = parse_datetime(value) if "T" in value or " " in value else None
        value = parsed or parse_date(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            return timezone.localtime(value, JST)
        return value
    if isinstance(value, datetime.date):
        return value
    return None


def _date_text(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"


@register.filter
def jp_date(value) -> str:
    """2026年4月1日（水）"""
    moment = _as_date_or_datetime(value)
    if moment is None:
        return ""
    return _date_text(moment)


@register.filter
def jp_datetime(value) -> str:
    """2026年4月1日（水）17:00 in Asia/Tokyo; a plain date gives jp_date."""
    moment = _as_date_or_datetime(value)
    if moment is None:
        return ""
    if not isinstance(moment, datetime.datetime):
        return _date_text(moment)
    return f"{_date_text(moment)}{moment.hour}:{moment.minute:02d}"


def fiscal_year_of(value) -> int | None:
    """The fiscal year (年度) a date falls in: 1 April 2026 to 31 March 2027 is 2026."""
    if isinstance(value, int):
        return value
    moment = _as_date_or_datetime(value)
    if moment is None:
        return None
    return moment.year if moment.month >= 4 else moment.year - 1


def japanese_era_year(year: int) -> str:
    """令和8, 令和元, 平成30 for the fiscal (or calendar) year `year`."""
    for first_day, name in ERAS:
        if first_day.year <= year:
            number = year - first_day.year + 1
            return f"{name}{'元' if number == 1 else number}"
    return f"{year}"


@register.filter
def fiscal_year(value, style: str = "") -> str:
    """令和8年度 (default), 2026年度 ("western"), or 令和8年度（2026年度） ("both")."""
    year = fiscal_year_of(value)
    if year is None:
        return ""
    if style == "western":
        return f"{year}年度"
    if style == "both":
        return f"{japanese_era_year(year)}年度（{year}年度）"
    return f"{japanese_era_year(year)}年度"


@register.filter
def jp_remaining(value) -> str:
    """あと7日 / あと5時間 / あと30分 until `value`, rounded to the nearest unit; 期限を過ぎています."""
    moment = _as_date_or_datetime(value)
    if not isinstance(moment, datetime.datetime):
        return ""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=JST)
    seconds = (moment - timezone.now()).total_seconds()
    if seconds <= 0:
        return "期限を過ぎています"
    hours = seconds / 3600
    if hours >= 23.5:
        return f"あと{round(hours / 24)}日"
    if seconds >= 59.5 * 60:
        return f"あと{round(hours)}時間"
    return f"あと{max(1, round(seconds / 60))}分"
